export type { Digests, HashAlgorithm, HasherFactory, StreamHasher } from './types';
export { inProcessHashers } from './in-process';
export { preloadHashing } from './algorithms';
export { HashService } from './hash-service';
export { remoteHashers, type RemoteHasherFactory, type RemoteHashersOptions, type RemoteHashersStats } from './remote-hashers';
