// The tester page: submit a job, follow it, watch the workers, operate the queue.
import { useState } from 'react';
import { TokenForm } from './auth/TokenForm';
import { ConnectionBanner } from './components/ConnectionBanner';
import { Dashboard } from './dashboard/Dashboard';
import { Groups } from './dashboard/Groups';
import { Operations } from './dashboard/Operations';
import { LiveLogs } from './logs/LiveLogs';
import { JobStatusPanel } from './status/JobStatusPanel';
import { SubmitJobForm } from './submit/SubmitJobForm';

export function App() {
  // The job the status panel follows: the last one submitted, typed in, or picked in the table.
  const [jobId, setJobId] = useState<string | null>(null);
  return (
    <>
      <header className="page-header">
        <h1>Job Queue Tester</h1>
      </header>
      <main>
        <ConnectionBanner />
        <TokenForm />
        <div className="columns">
          <SubmitJobForm onSubmitted={setJobId} />
          <JobStatusPanel jobId={jobId} onCheck={setJobId} />
        </div>
        <LiveLogs />
        <Dashboard onSelectJob={setJobId} />
        <Operations />
        <Groups />
      </main>
    </>
  );
}
