export { SimLockdownd, type ForgetHow, type SimLockdowndOptions, type TrustedHost } from './sim-lockdownd';
export {
	createDeviceIdentity,
	exportDeviceKeys,
	DEFAULT_DEVICE_VALUES,
	type DeviceIdentity,
	type DeviceKeys,
	type DeviceValues,
	type DiskUsageValues,
} from './device-identity';
export type { DeviceSessionSecurity, DeviceTlsCredentials } from './device-session-security';
export type { ServiceEndpoint, ServiceRegistry, ServiceRequest } from './service-registry';
export { TrustDialog, type TrustDialogOptions, type TrustOutcome } from './trust-dialog';
export { clientCertificateSignedByRoot } from './pair-record-check';
export { tlsDeviceSecurity } from './tls-device-security';
