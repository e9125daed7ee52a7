/**
 * `@peculiar/x509`, loaded after the Reflect metadata API its dependency injection (tsyringe) requires
 * and leaves to the application. Import the library from here, never from the package directly:
 * module requests run in source order, so the polyfill is in place before the library loads.
 */
import 'reflect-metadata';
export * from '@peculiar/x509';
