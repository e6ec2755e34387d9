export * from './constants.ts';
export * from './close-codes.ts';
export * from './assertion-keys.ts';
export * from './edge-assertion.ts';
