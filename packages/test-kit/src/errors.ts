/** Every failure the test kit raises itself: bad options, a helper process that will not start, a wait that ran out. */
export class TestKitError extends Error {
  override readonly name = 'TestKitError';
}
