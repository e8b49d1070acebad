/**
 * TEST INFRASTRUCTURE ONLY — never a production option: an in-memory gRPC
 * emulator of an EventStoreDB node for the adapter's conformance tests.
 */
export * from './esdb-emulator';
export * from './emulated-log';
