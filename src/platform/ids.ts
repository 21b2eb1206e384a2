import { uuidv7 } from 'uuidv7';

/** Surrogate ids are UUIDv7: time-ordered, so B-tree inserts stay local. */
export const newId = (): string => uuidv7();
