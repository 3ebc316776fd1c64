// A bad flag or name on the command line: index.mjs prints its message as one line, with a pointer
// to --help, instead of a stack trace.
export class UsageError extends Error {}
