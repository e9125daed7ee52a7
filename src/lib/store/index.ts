export { AppDatabase, DATABASE_NAME } from './database';
export {
	DexiePairRecordStore,
	MemoryPairRecordStore,
	profileSystemBuid,
	type PairRecordStore,
} from './pair-record-store';
export { forgetDevice } from './forget-device';
