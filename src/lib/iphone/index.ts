export { IPhone, type IPhoneOpenOptions } from './iphone';
export { openTrustedSession, type TrustOptions, type TrustedSession } from './trusted-session';
export { modelName } from './models';
export { AFC_SERVICE, openFileService } from './file-service';
