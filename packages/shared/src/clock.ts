/** Milliseconds since the epoch: injected wherever time decides an outcome, so tests can set it. */
export type Clock = () => number;
