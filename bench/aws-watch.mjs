// Benchmark (issue 4): AWS watch at defaults for 2 services, 3 alarms, 2 log groups (+1 health endpoint), over
// real HTTP with the real SDK clients against the local AWS endpoint. Reports AWS API calls per hour and the
// worst-case delay from an alarm turning ALARM / an error line landing to the notification:
//   worst case = poll interval (a change right after a poll waits one full interval) + the poll's own latency.
// Baseline: a bare DescribeAlarms round trip with the same client in the same run (poll cost is a ratio to it).
import { runBundled } from './lib.mjs';

const r = await runBundled('aws-watch-run');
console.log(JSON.stringify(r, null, 2));
console.log(
  `\naws-watch: ${r.apiCallsPerPoll} AWS API calls per poll, ${r.apiCallsPerHour} per hour at a ${r.intervalMs / 1000} s interval; ` +
    `worst case alarm→notice ${(r.worstCaseAlarmToNoticeMs / 1000).toFixed(2)} s, error line→notice ${(r.worstCaseLogLineToNoticeMs / 1000).toFixed(2)} s ` +
    `(+ CloudWatch's own evaluation/ingestion delay); poll latency = ${r.pollCostVsBareCall.toFixed(1)}× a bare DescribeAlarms call`,
);
