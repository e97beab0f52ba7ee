// What every command-line entry point shares: one line of error on failure, exit codes,
// and exiting once done (the Stripe SDK's and pg's keep-alive sockets would hold it open).
export function runCommand(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
