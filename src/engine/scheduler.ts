/** A node of a DAG: a name and the names it waits for. */
export interface DagNode {
  name: string;
  needs: readonly string[];
}

/**
 * Runs every node once, each only after all of its needs have finished (whatever their outcome),
 * with at most `concurrency` running at once. Nodes are started in the given order when several
 * are ready. The node function decides what a failed need means; it should not throw.
 */
export async function runDag(
  nodes: readonly DagNode[],
  concurrency: number,
  runNode: (name: string) => Promise<void>,
): Promise<void> {
  if (concurrency < 1) throw new Error(`concurrency must be at least 1, got ${concurrency}`);
  const waiting = new Map(nodes.map((n) => [n.name, new Set(n.needs)]));
  const dependents = new Map<string, string[]>();
  for (const n of nodes) {
    for (const need of n.needs) {
      if (!waiting.has(need)) throw new Error(`node "${n.name}" needs unknown node "${need}"`);
      dependents.set(need, [...(dependents.get(need) ?? []), n.name]);
    }
  }
  const order = new Map(nodes.map((n, i) => [n.name, i]));
  const ready: string[] = nodes.filter((n) => n.needs.length === 0).map((n) => n.name);
  let running = 0;
  let finished = 0;

  return new Promise<void>((resolve, reject) => {
    const pump = () => {
      if (finished === nodes.length) return resolve();
      if (ready.length === 0 && running === 0) {
        return reject(new Error('the graph has a cycle: some nodes can never start'));
      }
      while (running < concurrency && ready.length > 0) {
        const name = ready.shift() as string;
        running++;
        runNode(name)
          .catch(() => undefined)
          .then(() => {
            running--;
            finished++;
            let added = false;
            for (const dep of dependents.get(name) ?? []) {
              const left = waiting.get(dep);
              left?.delete(name);
              if (left && left.size === 0) {
                ready.push(dep);
                added = true;
              }
            }
            if (added) ready.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
            pump();
          }, reject);
      }
    };
    pump();
  });
}
