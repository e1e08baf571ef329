// The tester page in a real headless Chromium against the real api, worker and Redis: what a
// person does with it, end to end. Tests run in order on one page, as a person's session would.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test/support/service-process';
import { launchChromium } from './browser';
import { Stack } from './stack';

const FAILURE_SCREENSHOTS = join(REPO_ROOT, 'services', 'tester-ui', 'test-results');
// The README's picture is updated on purpose, never by a test run that happens to pass:
// TESTER_UI_SCREENSHOT=docs/screenshots/tester-ui.png npm run test:e2e -w services/tester-ui
const SCREENSHOT = process.env.TESTER_UI_SCREENSHOT
  ? resolve(REPO_ROOT, process.env.TESTER_UI_SCREENSHOT)
  : join(FAILURE_SCREENSHOTS, 'tester-ui.png');
const STEP_MS = 20_000;
const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

let stack: Stack;
let browser: Browser;
let page: Page;
const eventStreamRequests: Request[] = [];

beforeAll(async () => {
  stack = await new Stack().start();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(STEP_MS);
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/events') eventStreamRequests.push(request);
  });
  await page.goto(stack.uiUrl);
  await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
});

afterEach(async ({ task }) => {
  if (task.result?.state !== 'fail' || !page) return;
  mkdirSync(FAILURE_SCREENSHOTS, { recursive: true });
  await page.screenshot({
    path: join(FAILURE_SCREENSHOTS, `${task.name.slice(0, 60)}.png`),
    fullPage: true,
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** The id from the "Job submitted successfully! Job ID: <id>" notice once it shows a new one. */
async function submittedJobId(previous: string | null): Promise<string> {
  const notice = page.locator('.notice.success');
  await page.waitForFunction((before) => {
    const text = document.querySelector('.notice.success')?.textContent;
    return Boolean(text) && text !== before;
  }, previous);
  const text = (await notice.textContent()) ?? '';
  const match = /^Job submitted successfully! Job ID: (\S+)$/.exec(text);
  if (!match) throw new Error(`unexpected notice: "${text}"`);
  return match[1]!;
}

async function currentNotice(): Promise<string | null> {
  const notice = page.locator('.notice.success');
  return (await notice.count()) ? notice.textContent() : null;
}

async function fillEmail(subject: string): Promise<void> {
  await page.getByRole('textbox', { name: 'To' }).fill('user@example.com');
  await page.getByRole('textbox', { name: 'Subject' }).fill(subject);
  await page.getByRole('textbox', { name: 'Message' }).fill('Hello!');
}

const statusBadge = (jobId: string) =>
  page.getByRole('article', { name: `Job ${jobId}` }).locator('.badge');
const logLine = (text: string) => page.getByRole('log').getByText(text, { exact: true });
const tableRow = (jobId: string) => page.locator(`tr[data-job-id="${jobId}"]`);

describe('the tester page', () => {
  it('submits a job typed in by keyboard, follows it to completed and shows its log lines', async () => {
    await page.getByRole('combobox', { name: 'Priority' }).selectOption('high');
    await page.getByRole('textbox', { name: 'To' }).focus();
    await page.keyboard.type('user@example.com');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Test');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Hello!');
    // Max attempts, Delay, then the Submit Job button.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');

    const jobId = await submittedJobId(null);
    expect(await page.getByRole('textbox', { name: 'Job ID', exact: true }).inputValue()).toBe(
      jobId,
    );
    await statusBadge(jobId).filter({ hasText: 'completed' }).waitFor();
    const record = page.getByRole('article', { name: `Job ${jobId}` });
    expect(await record.getByText(/^Attempts 1\/\d+$/).count()).toBe(1);
    expect(await record.getByRole('list', { name: 'Timeline' }).textContent()).toMatch(
      /Created.*Picked.*waited.*Completed.*ran/,
    );
    expect(await record.locator('.raw-json').textContent()).toContain(`"job_id": "${jobId}"`);

    await logLine(`Picked job ${jobId}`).waitFor();
    await logLine(`Job ${jobId} completed successfully`).waitFor();
  });

  it('submits a job in a group, and the Groups panel shows the group and its completed job', async () => {
    await fillEmail('For a tenant');
    const group = page.getByRole('textbox', { name: 'Group' });
    await group.fill('acme');
    const previous = await currentNotice();
    await page.getByRole('button', { name: 'Submit Job' }).click();
    const jobId = await submittedJobId(previous);
    await statusBadge(jobId).filter({ hasText: 'completed' }).waitFor();
    // Group, queued, running, completed, oldest wait, settings: the panel polls GET /groups.
    const row = page
      .getByRole('region', { name: 'Groups table' })
      .locator('tr', { hasText: 'acme' });
    await expect
      .poll(async () => (await row.count()) && row.locator('td').allTextContents(), {
        timeout: STEP_MS,
      })
      .toEqual(['acme', '0', '0', '1', '—', 'default']);
    await group.fill('');
  });

  it("runs a job type of a user's own worker: a form from its schema, its progress and log lines", async () => {
    await page.getByRole('combobox', { name: 'Job type' }).selectOption('render_report');
    await page.getByRole('textbox', { name: 'Title' }).fill('Q3 costs');
    const rows = page.getByRole('textbox', { name: 'Rows' });
    await rows.fill('rent 1200');
    await page.getByRole('button', { name: 'Submit Job' }).click();
    // The schema the worker declared checks the payload on the page before anything is sent.
    await page.getByText('Enter a JSON list, in [ ]').waitFor();

    await rows.fill('[{"label": "Rent", "amount": 1200}, {"label": "Power", "amount": 80.5}]');
    const previous = await currentNotice();
    await page.getByRole('button', { name: 'Submit Job' }).click();
    const jobId = await submittedJobId(previous);
    await statusBadge(jobId).filter({ hasText: 'completed' }).waitFor();
    const record = page.getByRole('article', { name: `Job ${jobId}` });
    expect(await record.locator('.job-progress').textContent()).toBe('Progress: {"rows_done":2}');
    expect(
      await record.getByRole('region', { name: 'Lines the job logged' }).textContent(),
    ).toContain('rendering "Q3 costs": 2 rows');
    expect(await record.locator('.raw-json').textContent()).toContain('"total": 1280.5');
    await page.getByRole('combobox', { name: 'Job type' }).selectOption('send_email');
  });

  it('retries a job that failed for good from the table, and it then completes', async () => {
    await stack.startWorker({ failureRate: 1 });
    await fillEmail('Fails until retried');
    await page.getByRole('spinbutton', { name: 'Max attempts' }).fill('2');
    const previous = await currentNotice();
    await page.getByRole('button', { name: 'Submit Job' }).click();
    const jobId = await submittedJobId(previous);

    await logLine(`Job ${jobId} permanently failed after 2 attempts`).waitFor();
    await page.getByRole('combobox', { name: 'Status', exact: true }).selectOption('failed');
    await tableRow(jobId).locator('.badge', { hasText: 'failed' }).waitFor();
    await statusBadge(jobId).filter({ hasText: 'failed' }).waitFor();

    await stack.startWorker({ failureRate: 0 });
    await page.getByRole('button', { name: `Retry job ${jobId}` }).click();
    // Retried, it leaves the failed list; in the full list it completes.
    await tableRow(jobId).waitFor({ state: 'detached' });
    await page.getByRole('combobox', { name: 'Status', exact: true }).selectOption('');
    await tableRow(jobId).locator('.badge', { hasText: 'completed' }).waitFor();
    await statusBadge(jobId).filter({ hasText: 'completed' }).waitFor();
    await logLine(`Job ${jobId} completed successfully`).waitFor();

    // The dashboard catches up by itself: the four jobs so far (three emails and the report)
    // completed, nothing left running.
    await page.locator('.count-completed dd', { hasText: /^4$/ }).waitFor();
    await page.locator('.count-processing dd', { hasText: /^0$/ }).waitFor();
    await page.getByRole('heading', { name: /Dashboard/ }).scrollIntoViewIfNeeded();
    await page.locator('.chart .recharts-line').first().waitFor();
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('cancels a delayed job from the table', async () => {
    await fillEmail('Cancelled before it runs');
    await page.getByRole('spinbutton', { name: 'Delay (ms)' }).fill('600000');
    const previous = await currentNotice();
    await page.getByRole('button', { name: 'Submit Job' }).click();
    const jobId = await submittedJobId(previous);
    await page.getByRole('spinbutton', { name: 'Delay (ms)' }).fill('');

    await statusBadge(jobId).filter({ hasText: 'scheduled' }).waitFor();
    await page.getByRole('button', { name: `Cancel job ${jobId}` }).click();
    await tableRow(jobId).locator('.badge', { hasText: 'cancelled' }).waitFor();
    await statusBadge(jobId).filter({ hasText: 'cancelled' }).waitFor();
    expect(await page.getByRole('button', { name: `Retry job ${jobId}` }).count()).toBe(1);
  });

  it('passes the WCAG 2 A and AA checks of axe: labels, names, contrast', async () => {
    await page.addScriptTag({ path: AXE_SCRIPT });
    const violations = await page.evaluate(async () => {
      const { axe } = window as unknown as { axe: typeof import('axe-core') };
      const results = await axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] },
      });
      return results.violations.map(
        (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
      );
    });
    expect(violations).toEqual([]);
  });

  it('says plainly that the API is unreachable, then resumes the live log with Last-Event-ID', async () => {
    // The page has shown the newest event there is: it must resume right after that one.
    const newest = await stack.newestEvent();
    await logLine(newest.message).first().waitFor();
    await stack.stopApi();
    await page.getByText(/The API is unreachable/).waitFor();
    await page.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor();
    const requestsBefore = eventStreamRequests.length;

    await stack.startApi();
    await page.getByText(/The API is unreachable/).waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    const resumed = eventStreamRequests
      .slice(requestsBefore)
      .map((r) => r.headers()['last-event-id']);
    expect(resumed.at(-1)).toBe(newest.id);

    await fillEmail('After the restart');
    const previous = await currentNotice();
    await page.getByRole('button', { name: 'Submit Job' }).click();
    const jobId = await submittedJobId(previous);
    await logLine(`Job ${jobId} completed successfully`).waitFor();
  });

  it('fits a 390 px wide screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    // The chart follows the width through a ResizeObserver, so give the layout a moment to settle.
    await page
      .waitForFunction(() => document.documentElement.scrollWidth <= 390, null, { timeout: 5000 })
      .catch(async () => {
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        throw new Error(`the page is ${width} px wide on a 390 px screen`);
      });
    const submit = await page.getByRole('button', { name: 'Submit Job' }).boundingBox();
    expect(submit!.x + submit!.width).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('asks once for the token of an API that requires one, and sends it', async () => {
    const token = 'e2e-token-0123456789abcdef';
    await stack.stopApi();
    await stack.startApi({ API_TOKEN: token });
    await page.reload();

    const tokenField = page.getByLabel('API token', { exact: true });
    await tokenField.fill('not-the-token-0123456789');
    await tokenField.press('Enter');
    await page.getByText('The API refused the token.').waitFor();
    await tokenField.fill(token);
    await tokenField.press('Enter');
    await tokenField.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    await fillEmail('With a token');
    await page.getByRole('button', { name: 'Submit Job' }).click();
    const jobId = await submittedJobId(null);
    await logLine(`Job ${jobId} completed successfully`).waitFor();

    // Kept for the tab's session: a reload does not ask again.
    await page.reload();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await page.locator('.counts').waitFor();
    expect(await page.getByLabel('API token', { exact: true }).count()).toBe(0);
  });
});
