export { AfcClient, type AfcClientOptions, type AfcFileHandle } from './client';
export {
	AfcLimits,
	AfcOpenMode,
	AfcOperation,
	AfcSeekFrom,
	AfcStatus,
	AFC_HEADER_LENGTH,
	AFC_MAGIC,
	afcStatusName,
} from './constants';
export { AfcStatusError, afcStatusError, type AfcAction } from './status';
export { type AfcHeader, type AfcPacket, decodeHeader, encodePacket } from './packet';
export { AfcPacketDecoder, type AfcBodyLimit } from './packet-decoder';
export * from './requests';
export * from './replies';
export {
	formatDeviceInfo,
	formatFileInfo,
	parseDeviceInfo,
	parseFileInfo,
	toDeviceFileInfo,
	type AfcDeviceInfo,
	type AfcFileInfo,
	type AfcFileInfoFields,
} from './file-info';
