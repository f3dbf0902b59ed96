/**
 * A Map that also keeps its values grouped by a secondary key (all allocations of one job, all
 * children of one parent job), so per-job lookups cost the size of the group instead of a scan of
 * the whole table. That keeps listing 20,000 jobs linear.
 */
export class GroupedMap<V> extends Map<string, V> {
  private readonly groups = new Map<string, Map<string, V>>();

  /** `groupOf` must not change for a stored value (the group is read on set and delete). */
  constructor(private readonly groupOf: (value: V) => string | undefined) {
    super();
  }

  override set(key: string, value: V): this {
    const old = super.get(key);
    const oldGroup = old === undefined ? undefined : this.groupOf(old);
    const group = this.groupOf(value);
    if (oldGroup !== undefined && oldGroup !== group) this.unlink(oldGroup, key);
    super.set(key, value);
    if (group !== undefined) {
      let members = this.groups.get(group);
      if (!members) this.groups.set(group, (members = new Map()));
      members.set(key, value);
    }
    return this;
  }

  override delete(key: string): boolean {
    const old = super.get(key);
    if (old === undefined) return super.delete(key);
    const group = this.groupOf(old);
    if (group !== undefined) this.unlink(group, key);
    return super.delete(key);
  }

  override clear(): void {
    this.groups.clear();
    super.clear();
  }

  /** The values of one group, in insertion order (a fresh array the caller may sort). */
  group(group: string): V[] {
    const members = this.groups.get(group);
    return members ? [...members.values()] : [];
  }

  private unlink(group: string, key: string): void {
    const members = this.groups.get(group);
    if (!members) return;
    members.delete(key);
    if (members.size === 0) this.groups.delete(group);
  }
}
