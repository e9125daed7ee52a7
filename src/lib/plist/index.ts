export { decodePlist, encodePlist } from './codec';
export { isPlistDict, type PlistDict, type PlistValue } from './value';
