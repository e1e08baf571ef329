// "Groups": the groups with jobs submitted lately (a customer, a tenant), which take turns
// within a priority: what each has queued, running and completed, and how long its oldest
// waiting job has waited.
import { useGroups } from '../api/queries';
import type { GroupListing } from '../api/types';

function describeSettings(group: GroupListing): string {
  const parts = [];
  if (group.weight !== 1) parts.push(`weight ${group.weight}`);
  if (group.max_concurrency !== null) parts.push(`at most ${group.max_concurrency} at once`);
  return parts.length > 0 ? parts.join(', ') : 'default';
}

export function Groups() {
  const groups = useGroups();
  return (
    <section className="panel groups" aria-labelledby="groups-heading">
      <h2 id="groups-heading">Groups</h2>
      {groups.data?.length ? (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Groups table">
          <table>
            <caption className="visually-hidden">Groups</caption>
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Queued</th>
                <th scope="col">Running</th>
                <th scope="col">Completed</th>
                <th scope="col">Oldest wait</th>
                <th scope="col">Settings</th>
              </tr>
            </thead>
            <tbody>
              {groups.data.map((group) => (
                <tr key={group.group}>
                  <td>{group.group}</td>
                  <td>{group.queued}</td>
                  <td>{group.running}</td>
                  <td>{group.completed}</td>
                  <td>{group.oldest_wait_ms === null ? '—' : `${group.oldest_wait_ms} ms`}</td>
                  <td>{describeSettings(group)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">
          No groups yet: give a job a group (the Group field, or &quot;group&quot; in the API) and
          groups take turns.
        </p>
      )}
    </section>
  );
}
