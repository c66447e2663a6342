/** Units offload.yml is written in: durations and sizes, each with one syntax, parser and schema fragment. */
export * from './duration';
export * from './size';
