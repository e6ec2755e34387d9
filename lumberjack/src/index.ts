// Re-exports only. Each module adds its own lines.
export * from './codec/index.ts';
export * from './receiver/index.ts';
export * from './sender/index.ts';
