// Loaded into the app by bench/held-bodies.ts (node --import, with an IPC channel): answers
// "memory" with process.memoryUsage(), so that the bench can tell V8's heap and the buffers
// from the rest of RSS (what malloc keeps). Plain JavaScript: the app runs without tsx.
process.on('message', (message) => {
  if (message === 'memory') process.send?.(process.memoryUsage());
});
