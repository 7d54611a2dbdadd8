// npm scripts must run on the project's own Node 24 (the node@24 devDependency), whatever Node the machine has.
test('the test run executes under Node 24', () => {
  expect(Number(process.versions.node.split('.')[0])).toBe(24);
});
