// Re-exports only. Each module adds its own lines.
export {};
