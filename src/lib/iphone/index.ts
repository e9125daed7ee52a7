export { IPhone, LOCKDOWN_PORT, type IPhoneOpenOptions } from './iphone';
