export { VirtualCameraRoll, type CameraRollFile, type CameraRollOptions } from './camera-roll';
export { PROFILES, type CameraRollProfile, type ProfileName, type SyntheticKind } from './profiles';
export { REAL_MEDIA_FILES, REAL_ASSET_COUNT, type RealMedia, type RealMediaFile } from './real-media';
export type { PlannedFileTag } from './library-plan';
export type { CaptureMoment } from './capture-moment';
