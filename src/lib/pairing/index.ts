export { createPairRecord, type CreatePairRecordOptions, type PairingDevice } from './create-pair-record';
export { newUuid } from './uuid';
export {
	MAX_ESCROW_BAG_LENGTH,
	certificateDer,
	devicePublicKeySpki,
	pairRequestRecord,
	withEscrowBag,
	type PairRecord,
	type PairRequestRecord,
} from './pair-record';
export { PAIRING_KEY_ALGORITHM } from './certificates';
export { parseRsaPublicKeyPem, rsaPublicKeyFromPkcs1, rsaPublicKeyFromSpki, type RsaPublicKey } from './rsa-public-key';
export { decodePem, encodePem, type PemBlock } from './pem';
