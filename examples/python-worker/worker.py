"""A worker in Python for the job queue, with nothing but the standard library: it declares the
`word_count` job type over HTTP, then claims jobs (waiting up to 20 s for one), runs them, keeps
their leases alive while they run and reports each outcome.

    API_URL=http://localhost:5000 python3 worker.py

API_TOKEN is sent when set. Ctrl+C or SIGTERM: the jobs in hand finish, then it exits.
Each job counts as an attempt; one whose worker vanishes is handed out again once its lease
runs out (30 s by default), so `run` may see a job twice and should be safe to repeat.
"""
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime

API_URL = os.environ.get("API_URL", "http://localhost:5000").rstrip("/")
API_TOKEN = os.environ.get("API_TOKEN", "")
WORKER_ID = os.environ.get("WORKER_ID", f"python-{socket.gethostname()}-{os.getpid()}")
JOB_TYPE = "word_count"
DECLARATION = {
    "description": "Counts the words of a text (a Python worker over HTTP)",
    "payload_schema": {
        "type": "object",
        "required": ["text"],
        "properties": {
            "text": {"type": "string", "maxLength": 100000},
            "pause_ms": {"type": "integer", "minimum": 0, "maximum": 60000},
        },
        "additionalProperties": False,
    },
    "defaults": {"max_attempts": 3},
}

stopping = threading.Event()
busy = False


class LeaseLost(Exception):
    """The API answered 409: the job is not this attempt's any more (cancelled, timed out, ended
    or taken over); its message says which. Drop it."""

    def reason(self):
        try:
            return json.loads(str(self))["error"]["message"]
        except (ValueError, KeyError, TypeError):
            return str(self)


def call(method, path, body=None, timeout=10):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(API_URL + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if API_TOKEN:
        request.add_header("Authorization", f"Bearer {API_TOKEN}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        if error.code == 409:
            raise LeaseLost(error.read().decode()) from error
        raise RuntimeError(f"{method} {path}: {error.code} {error.read().decode()}") from error


def log(message):
    print(f"[{WORKER_ID}] {message}", flush=True)


def run(payload):
    """The job itself: its return value is the job's result."""
    time.sleep(payload.get("pause_ms", 0) / 1000)
    return {"words": len(payload["text"].split())}


def keep_lease(job, done):
    """Renews the job's lease three times per lease until `done` is set."""
    expires = datetime.fromisoformat(job["lease_expires_at"].replace("Z", "+00:00")).timestamp()
    every = max(0.1, (expires - time.time()) / 3)
    while not done.wait(every):
        try:
            call("POST", f"/jobs/{job['job_id']}/heartbeat", {"lease_token": job["lease_token"]})
        except LeaseLost:
            return
        except Exception as error:  # the API is away for a moment: the next renewal may work
            log(f"could not renew the lease of job {job['job_id']}: {error}")


def hold_lease(job):
    """Keeps the job's lease from now until the returned event is set."""
    done = threading.Event()
    threading.Thread(target=keep_lease, args=(job, done), daemon=True).start()
    return done


def handle(job, done):
    """Runs one job and sends its outcome; its lease is kept until the outcome is sent."""
    job_id, token = job["job_id"], job["lease_token"]
    try:
        try:
            result = run(job["payload"])
        except Exception as error:  # a failed attempt: the queue retries it after its backoff
            reason = str(error) or type(error).__name__  # a bare `assert` says nothing itself
            log(f"job {job_id} failed: {reason}")
            call("POST", f"/jobs/{job_id}/fail", {"lease_token": token, "error": reason})
            return
        call("POST", f"/jobs/{job_id}/complete", {"lease_token": token, "result": result})
        log(f"job {job_id} completed: {json.dumps(result)}")
    except LeaseLost as refused:
        log(f"job {job_id} finished but its outcome was refused: {refused.reason()}")
    except Exception as error:  # the API is away, or refused it: the lease runs out, it runs again
        log(f"job {job_id}: could not send its outcome ({error}); it will be handed out again")
    finally:
        done.set()


def stop(*_):
    """Idle (waiting on a claim): exit now, the claim takes nothing. Busy: finish, then exit."""
    stopping.set()
    if not busy:
        log("stopped")
        sys.exit(0)


def main():
    global busy
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    call("PUT", f"/job-types/{JOB_TYPE}", DECLARATION)
    log(f"declared {JOB_TYPE}; claiming from {API_URL}")
    while not stopping.is_set():
        try:
            claim = {"worker_id": WORKER_ID, "job_types": [JOB_TYPE], "max_jobs": 5, "wait_ms": 20000}
            jobs = call("POST", "/workers/claim", claim, timeout=30)["jobs"]
        except Exception as error:
            log(f"claim failed ({error}); trying again")
            stopping.wait(1)
            continue
        busy = True
        # Every job in hand keeps its lease from the claim on, also while it waits its turn
        # behind the others: a lease that ran out would hand it to another worker meanwhile.
        held = [(job, hold_lease(job)) for job in jobs]
        for job, done in held:
            handle(job, done)
        busy = False
    log("stopped")


if __name__ == "__main__":
    sys.exit(main())
