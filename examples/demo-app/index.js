// `npm start`: a quick health check every 30 seconds.
const started = Date.now();
console.log(`[${new Date().toISOString()}] demo-app health check (run ${process.env.TIMECLOUD_RUN_ID}, attempt ${process.env.TIMECLOUD_ATTEMPT})`);
const used = process.memoryUsage().rss / 1024 / 1024;
console.log(`rss ${used.toFixed(1)} MiB, checked in ${Date.now() - started} ms`);
