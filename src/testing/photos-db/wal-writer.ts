/** The WAL writer is the virtual iPhone's (it puts a live phone's newest changes in a WAL); tests use the same one. */
export { walBetween } from '../../sim/photos-db/wal-writer';
