/** How durations read in the engine's reasons ("timed out after 30s", "retrying in 1.5s"): the core's one formatter. */
export { formatDurationCompact as formatDuration } from '../format';
