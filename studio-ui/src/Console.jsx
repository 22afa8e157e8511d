// The console: what the AWS console lists for Glue, read from the state dir and the catalog.
import { useEffect, useState } from 'react';
import { api, secs, when } from './api.js';
import { GraphView } from './GraphView.jsx';

function useApi(path) {
  const [state, setState] = useState({ data: null, error: null });
  useEffect(() => {
    if (!path) return;
    let live = true;
    setState({ data: null, error: null });
    api(path).then(
      (data) => live && setState({ data, error: null }),
      (error) => live && setState({ data: null, error: error.message }),
    );
    return () => {
      live = false;
    };
  }, [path]);
  return state;
}

function Loading({ state, children }) {
  if (state.error) return <p className="error">{state.error}</p>;
  if (state.data === null) return <p className="muted">Loading…</p>;
  return children(state.data);
}

const Status = ({ value }) => <span className={`status status-${value}`}>{value}</span>;

function RunTable({ runs, onPick }) {
  if (!runs.length) return <p className="muted">No runs yet.</p>;
  return (
    <table data-testid="runs-table">
      <thead>
        <tr>
          <th>Run id</th><th>Job</th><th>Status</th><th>Started</th><th>Duration</th>
          <th>Read</th><th>Written</th><th>Errors</th><th>Trigger</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.run_id} onClick={() => onPick && onPick(r.run_id)} className={onPick ? 'pick' : ''}>
            <td className="mono">{r.run_id}</td><td>{r.job}</td><td><Status value={r.status} /></td>
            <td>{when(r.started_at)}</td><td>{secs(r.duration)}</td>
            <td>{r.read}</td><td>{r.written}</td><td>{r.errors}</td><td>{r.trigger || '-'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Runs() {
  const jobs = useApi('/api/jobs');
  const [job, setJob] = useState('');
  const runs = useApi(`/api/runs${job ? `?job=${encodeURIComponent(job)}` : ''}`);
  const [picked, setPicked] = useState(null);
  const run = useApi(picked && `/api/runs/${picked}`);
  return (
    <div className="page">
      <h2>Jobs</h2>
      <Loading state={jobs}>
        {(data) => (
          <table data-testid="jobs-table">
            <thead><tr><th>Job</th><th>Runs</th><th>Latest run</th><th>Status</th><th>Started</th></tr></thead>
            <tbody>
              {data.map((j) => (
                <tr key={j.job} className="pick" onClick={() => setJob(j.job)}>
                  <td>{j.job}</td><td>{j.runs}</td><td className="mono">{j.latest.run_id}</td>
                  <td><Status value={j.latest.status} /></td><td>{when(j.latest.started_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loading>
      <h2>Runs {job && <>of {job} <button onClick={() => setJob('')}>all jobs</button></>}</h2>
      <Loading state={runs}>{(data) => <RunTable runs={data} onPick={setPicked} />}</Loading>
      {picked && (
        <Loading state={run}>
          {(r) => (
            <section className="detail" data-testid="run-detail">
              <h3>Run {r.run_id} <Status value={r.status} /></h3>
              {r.error && <p className="error">{r.error}</p>}
              <p>Arguments: <span className="mono">{JSON.stringify(r.args)}</span></p>
              <h4>Log</h4>
              <pre className="log">{r.log ?? 'No log kept for this run (runs started by etl run print to their terminal).'}</pre>
            </section>
          )}
        </Loading>
      )}
    </div>
  );
}

export function Bookmarks() {
  const state = useApi('/api/bookmarks');
  return (
    <div className="page">
      <h2>Job bookmarks</h2>
      <Loading state={state}>
        {(data) =>
          data.length ? (
            <table data-testid="bookmarks-table">
              <thead><tr><th>Job</th><th>Version</th><th>Committed</th><th>By run</th><th>Source (transformation_ctx)</th><th>State</th></tr></thead>
              <tbody>
                {data.flatMap((b) =>
                  (b.sources.length ? b.sources : [{ ctx: '-', state: b.error || b.note }]).map((s) => (
                    <tr key={`${b.job}/${s.ctx}`}>
                      <td>{b.job}</td><td>{b.version ?? '-'}</td><td>{when(b.committed_at)}</td>
                      <td className="mono">{b.run_id || '-'}</td><td>{s.ctx}</td><td>{s.state}</td>
                    </tr>
                  )),
                )}
              </tbody>
            </table>
          ) : (
            <p className="muted">No job has bookmark state yet.</p>
          )
        }
      </Loading>
    </div>
  );
}

export function Catalog() {
  const state = useApi('/api/catalog');
  const [picked, setPicked] = useState(null);
  const table = useApi(picked && `/api/catalog/${picked}`);
  return (
    <div className="page split">
      <div>
        <h2>Databases and tables</h2>
        <Loading state={state}>
          {(data) => (
            <ul className="tree" data-testid="catalog-tree">
              {data.map((d) => (
                <li key={d.name}>
                  <b>{d.name}</b> <span className="muted">{d.location}</span>
                  <ul>
                    {d.tables.map((t) => (
                      <li key={t}>
                        <a href="#/catalog" onClick={(e) => { e.preventDefault(); setPicked(`${d.name}/${t}`); }}>{t}</a>
                      </li>
                    ))}
                  </ul>
                </li>
              ))}
            </ul>
          )}
        </Loading>
      </div>
      <div>
        {picked && (
          <Loading state={table}>
            {(t) => (
              <section data-testid="table-detail">
                <h2>{t.database}.{t.name}</h2>
                <p>Location <span className="mono">{t.location}</span> · format {t.format}</p>
                <table>
                  <thead><tr><th>Column</th><th>Type</th><th>Comment</th></tr></thead>
                  <tbody>
                    {t.columns.map((c) => <tr key={c.name}><td>{c.name}</td><td>{c.type}</td><td>{c.comment || ''}</td></tr>)}
                    {t.partition_keys.map((c) => <tr key={c.name}><td>{c.name}</td><td>{c.type}</td><td>partition key</td></tr>)}
                  </tbody>
                </table>
                {t.partition_keys.length > 0 && (
                  <>
                    <h3>Partitions ({t.partitions.length})</h3>
                    <table>
                      <thead><tr>{t.partition_keys.map((k) => <th key={k.name}>{k.name}</th>)}<th>Location</th></tr></thead>
                      <tbody>
                        {t.partitions.map((p) => (
                          <tr key={p.location}>{p.values.map((v, i) => <td key={i}>{v}</td>)}<td className="mono">{p.location}</td></tr>
                        ))}
                      </tbody>
                    </table>
                  </>
                )}
              </section>
            )}
          </Loading>
        )}
      </div>
    </div>
  );
}

export function Crawlers() {
  const state = useApi('/api/crawlers');
  return (
    <div className="page">
      <h2>Crawlers</h2>
      <Loading state={state}>
        {(data) => (
          <table data-testid="crawlers-table">
            <thead><tr><th>Crawler</th><th>Crawls</th><th>Last crawl</th><th>Status</th><th>Duration</th><th>Result</th></tr></thead>
            <tbody>
              {data.map((c) => {
                const last = c.last_crawl;
                const counts = last ? Object.entries(last.metrics).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ') : '';
                return (
                  <tr key={c.name}>
                    <td>{c.name}{c.defined ? '' : ' (no definition)'}</td><td>{c.crawls}</td>
                    <td>{last ? when(last.started_at) : 'never'}</td><td>{last ? <Status value={last.status} /> : '-'}</td>
                    <td>{last ? secs(last.duration) : '-'}</td><td className="mono small">{last?.error || counts}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Loading>
    </div>
  );
}

export function Workflows() {
  const state = useApi('/api/workflows');
  const [picked, setPicked] = useState(null);
  const run = useApi(picked && `/api/workflows/${picked}`);
  return (
    <div className="page">
      <Loading state={state}>
        {(data) => (
          <>
            <h2>Triggers</h2>
            <table data-testid="triggers-table">
              <thead><tr><th>Trigger</th><th>Type</th><th>Workflow</th><th>Definition</th></tr></thead>
              <tbody>
                {data.triggers.map((t) => (
                  <tr key={t.name}><td>{t.name}</td><td>{t.type}</td><td>{t.workflow || '-'}</td><td className="mono small">{JSON.stringify(t.definition)}</td></tr>
                ))}
              </tbody>
            </table>
            <h2>Workflows</h2>
            {data.workflows.map((w) => (
              <section key={w.name}>
                <h3>{w.name}</h3>
                {w.runs.length ? (
                  <table data-testid={`workflow-runs-${w.name}`}>
                    <thead><tr><th>Run id</th><th>Status</th><th>Started</th><th>Completed</th></tr></thead>
                    <tbody>
                      {w.runs.map((r) => (
                        <tr key={r.run_id} className="pick" onClick={() => setPicked(`${w.name}/runs/${r.run_id}`)}>
                          <td className="mono">{r.run_id}</td><td><Status value={r.status} /></td><td>{when(r.started_at)}</td><td>{when(r.completed_at)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : (
                  <p className="muted">No runs yet.</p>
                )}
              </section>
            ))}
          </>
        )}
      </Loading>
      {picked && (
        <Loading state={run}>
          {(r) => (
            <section className="detail" data-testid="workflow-run">
              <h3>Run {r.run_id} <Status value={r.status} /></h3>
              <p className="mono small">{Object.entries(r.statistics).map(([k, v]) => `${k}=${v}`).join(' ')}</p>
              <GraphView
                nodes={r.nodes.map((n) => ({ id: n.id, label: `${n.type} ${n.name}`, detail: n.state, tone: n.state }))}
                edges={r.edges}
              />
            </section>
          )}
        </Loading>
      )}
    </div>
  );
}
