export { EVIL_FOLDER_NAMES, EVIL_NAMES, isListableName } from './evil-names';
export { HostileProfile, type AfcLie, type HostileBehaviour, type LockdownLie } from './hostile-profile';
export { lieBytes } from './lie-bytes';
export { lyingChannel, type WriteLie } from './lying-channel';
export { EVIL_FILE_SIZE, LIE_PATHS, LyingFileSystem, overTheCable, SIZE_LIES, type FileSystemLies } from './lying-file-system';
export type { PhotosDatabaseLie } from './lying-photos-database';
