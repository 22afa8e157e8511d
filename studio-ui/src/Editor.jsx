// The visual editor: a job file's CodeGenConfigurationNodes as boxes and arrows, a palette of the node
// types the server generates code for, a form per node, errors from the server's validation on the
// nodes, the generated script, a data preview of the selected node and runs of the saved file.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  ReactFlow, ReactFlowProvider, Background, Controls, Handle, Position, addEdge,
  applyEdgeChanges, applyNodeChanges, useReactFlow, useUpdateNodeInternals,
} from '@xyflow/react';
import { api, secs } from './api.js';
import { layout } from './layout.js';

const NODES_KEY = 'CodeGenConfigurationNodes';
const BOOKMARK = '--job-bookmark-option';
const DONE = ['SUCCEEDED', 'FAILED', 'STOPPED', 'TIMEOUT', 'ERROR'];
let counter = 0;

// --- the job file <-> the canvas ---------------------------------------------------------------------

function fromData(data) {
  const { [NODES_KEY]: members = {}, ...job } = data;
  const nodes = [];
  const edges = [];
  for (const [id, member] of Object.entries(members)) {
    const [type, all] = Object.entries(member)[0];
    const { Inputs = [], ...fields } = all;
    nodes.push({ id, type: 'glue', position: { x: 0, y: 0 }, data: { type, fields } });
    Inputs.forEach((source) => edges.push({ id: `${source}->${id}`, source, target: id }));
  }
  return { job, nodes: layout(nodes, edges), edges };
}

function toData(job, nodes, edges) {
  const members = {};
  for (const n of nodes) {
    const { Name, ...rest } = n.data.fields;
    const inputs = edges.filter((e) => e.target === n.id).map((e) => e.source);
    members[n.id] = { [n.data.type]: { Name: Name ?? '', ...(inputs.length ? { Inputs: inputs } : {}), ...rest } };
  }
  return { ...job, [NODES_KEY]: members };
}

// --- a node on the canvas ----------------------------------------------------------------------------

// The category's class is prefixed: xyflow finds a node's handles by the classes "source" and "target"
// (querySelectorAll inside the node), so a bare one on the box would make the box itself a handle.
function GlueNode({ id, data, selected }) {
  const spec = data.spec;
  const errors = data.errors || [];
  const inputs = Boolean(spec) && spec.max_inputs !== 0;
  const output = spec?.category !== 'target';
  // The handles follow the node type's spec, which may arrive after xyflow measured the node.
  const updateNodeInternals = useUpdateNodeInternals();
  useEffect(() => updateNodeInternals(id), [id, inputs, output, updateNodeInternals]);
  return (
    <div className={`glue-node ${spec ? `category-${spec.category}` : ''} ${errors.length ? 'invalid' : ''} ${selected ? 'selected' : ''} ${data.failed ? 'failed' : ''}`}
      data-testid={`node-${id}`}>
      {inputs && <Handle type="target" position={Position.Left} />}
      <div className="glue-node-name">{data.fields.Name || '(no name)'}</div>
      <div className="glue-node-type">{data.type}</div>
      {errors.length > 0 && (
        <ul className="node-errors" data-testid={`errors-${id}`}>
          {errors.map((e, i) => <li key={i}>{e.field ? `${e.field}: ` : ''}{e.message}</li>)}
        </ul>
      )}
      {output && <Handle type="source" position={Position.Right} />}
    </div>
  );
}

const NODE_TYPES = { glue: GlueNode };

// --- the form of the selected node ---------------------------------------------------------------------

function FieldInput({ field, value, onChange }) {
  const [text, setText] = useState(null);
  const [problem, setProblem] = useState(null);
  const id = `field-${field.name}`;
  if (field.enum) {
    return (
      <select data-testid={id} value={value ?? ''} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}>
        <option value="">(not set)</option>
        {field.enum.map((v) => <option key={v} value={v}>{v}</option>)}
      </select>
    );
  }
  if (field.type === 'boolean') {
    return (
      <select data-testid={id} value={value === undefined ? '' : String(value)}
        onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value === 'true')}>
        <option value="">(not set)</option><option value="true">true</option><option value="false">false</option>
      </select>
    );
  }
  if (field.type === 'integer' || field.type === 'long') {
    return <input data-testid={id} type="number" value={value ?? ''} onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))} />;
  }
  if (field.type === 'string') {
    return <input data-testid={id} value={value ?? ''} onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)} />;
  }
  if (field.type === 'list' && field.items === 'string') {
    // One value per line: paths, keys.
    return (
      <textarea data-testid={id} rows={2} value={text ?? (value || []).join('\n')}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => { if (text !== null) { const items = text.split('\n').map((s) => s.trim()).filter(Boolean); onChange(items.length ? items : undefined); setText(null); } }} />
    );
  }
  if (field.name === 'Mapping' && field.items === 'structure') return <MappingInput value={value} onChange={onChange} />;
  // Lists of structures, maps, nested lists: the field's JSON, as in the job file.
  return (
    <>
      <textarea data-testid={id} rows={4} className="mono" value={text ?? (value === undefined ? '' : JSON.stringify(value, null, 1))}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          if (text === null) return;
          if (text.trim() === '') { onChange(undefined); setText(null); setProblem(null); return; }
          try { onChange(JSON.parse(text)); setText(null); setProblem(null); } catch (err) { setProblem(`${field.name}: not valid JSON (${err.message})`); }
        }} />
      {problem && <div className="error">{problem}</div>}
    </>
  );
}

// ApplyMapping's Mapping ("Change Schema"): one row per field, its source path (dotted) and type, the
// key and type it becomes, or dropped.
const GLUE_TYPES = ['string', 'long', 'int', 'short', 'byte', 'double', 'float', 'decimal', 'boolean', 'date', 'timestamp', 'binary', 'array', 'struct', 'map', 'null'];

function MappingInput({ value, onChange }) {
  const rows = value || [];
  const put = (i, patch) => {
    const next = rows.map((row, j) => {
      if (j !== i) return row;
      const merged = { ...row, ...patch };
      if (!merged.Dropped) delete merged.Dropped;
      return merged;
    });
    onChange(next);
  };
  return (
    <div className="mapping" data-testid="mapping">
      <datalist id="glue-types">{GLUE_TYPES.map((t) => <option key={t} value={t} />)}</datalist>
      {rows.map((row, i) => (
        <div key={i} className={`mapping-row ${row.Dropped ? 'dropped' : ''}`} data-testid={`mapping-row-${i}`}>
          <input aria-label="source path" data-testid={`mapping-from-${i}`} placeholder="source.path" value={(row.FromPath || []).join('.')}
            onChange={(e) => put(i, { FromPath: e.target.value.split('.') })} />
          <input aria-label="source type" data-testid={`mapping-fromtype-${i}`} list="glue-types" placeholder="type" value={row.FromType ?? ''}
            onChange={(e) => put(i, { FromType: e.target.value })} />
          <span className="muted">→</span>
          <input aria-label="target key" data-testid={`mapping-tokey-${i}`} placeholder="target key" value={row.ToKey ?? ''}
            onChange={(e) => put(i, { ToKey: e.target.value })} />
          <input aria-label="target type" data-testid={`mapping-totype-${i}`} list="glue-types" placeholder="type" value={row.ToType ?? ''}
            onChange={(e) => put(i, { ToType: e.target.value })} />
          <span className="mapping-actions">
            <label title="drop the field"><input type="checkbox" data-testid={`mapping-drop-${i}`} checked={Boolean(row.Dropped)}
              onChange={(e) => put(i, { Dropped: e.target.checked })} />drop</label>
            <button type="button" title="remove the row" data-testid={`mapping-remove-${i}`}
              onClick={() => { const next = rows.filter((_, j) => j !== i); onChange(next.length ? next : undefined); }}>×</button>
          </span>
        </div>
      ))}
      <button type="button" data-testid="mapping-add"
        onClick={() => onChange([...rows, { ToKey: '', FromPath: [''], FromType: 'string', ToType: 'string' }])}>Add field</button>
    </div>
  );
}

function NodeForm({ node, spec, errors, onFields, onPreview, onDelete }) {
  const set = (name, value) => {
    const fields = { ...node.data.fields };
    if (value === undefined) delete fields[name]; else fields[name] = value;
    onFields(node.id, fields);
  };
  return (
    <div className="node-form" data-testid="node-form">
      <h3>{node.data.type} <span className="muted mono small">{node.id}</span></h3>
      <label>Name<input data-testid="field-Name" value={node.data.fields.Name ?? ''} onChange={(e) => set('Name', e.target.value)} /></label>
      {(spec?.fields || []).map((f) => (
        <label key={f.name} className={errors.some((e) => e.field && e.field.split(/[.[]/)[0] === f.name) ? 'invalid' : ''}>
          {f.name}{f.required ? ' *' : ''} <span className="muted small">{f.type}{f.items ? ` of ${f.items}` : ''}</span>
          <FieldInput key={`${node.id}/${f.name}`} field={f} value={node.data.fields[f.name]} onChange={(v) => set(f.name, v)} />
        </label>
      ))}
      {errors.length > 0 && <ul className="error">{errors.map((e, i) => <li key={i}>{e.field ? `${e.field}: ` : ''}{e.message}</li>)}</ul>}
      <div className="buttons">
        <button data-testid="preview-button" onClick={onPreview}>Preview data</button>
        <button onClick={onDelete}>Delete node</button>
      </div>
    </div>
  );
}

// --- the panel below the canvas: script, preview, run ---------------------------------------------------

function Preview({ result }) {
  if (!result) return <p className="muted">Select a node and press “Preview data”.</p>;
  if (result.loading) return <p className="muted">Running the graph up to {result.node} on local Spark…</p>;
  if (!result.ok) return <p className="error" data-testid="preview-message">{result.message}</p>;
  return (
    <div className="preview">
      {result.note && <p className="muted" data-testid="preview-note">Preview of {result.note}; a preview writes nothing.</p>}
      <pre className="schema" data-testid="preview-schema">{result.schema}</pre>
      <table data-testid="preview-rows">
        <thead><tr>{result.columns.map((c) => <th key={c}>{c}</th>)}</tr></thead>
        <tbody>
          {result.rows.map((row, i) => (
            <tr key={i}>{result.columns.map((c) => <td key={c}>{row[c] === undefined ? '' : typeof row[c] === 'object' ? JSON.stringify(row[c]) : String(row[c])}</td>)}</tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RunPanel({ run }) {
  if (!run) return <p className="muted">“Run” saves the job file and runs it with etl run, as a job of its own.</p>;
  if (run.error && !run.run_id) return <p className="error">{run.error}</p>;
  return (
    <div data-testid="run-panel">
      <p>Run <span className="mono">{run.run_id}</span>: <b data-testid="run-status" className={`status status-${run.status}`}>{run.status}</b></p>
      {DONE.includes(run.status) && (
        <p data-testid="run-summary">duration {secs(run.duration)} · read {run.read ?? 0} · written {run.written ?? 0} · errors {run.errors ?? 0}</p>
      )}
      {run.error && <p className="error" data-testid="run-error">{run.error}</p>}
      {run.failed_node && <p className="error" data-testid="run-failed-node">Failed in node {run.failed_node.name} ({run.failed_node.id}), script line {run.failed_node.line}</p>}
      {run.log && <pre className="log">{run.log}</pre>}
    </div>
  );
}

// --- the editor ------------------------------------------------------------------------------------------

function EditorCanvas() {
  const flow = useReactFlow();
  const [specs, setSpecs] = useState({});
  const [files, setFiles] = useState([]);
  const [path, setPath] = useState('jobs/new_job.glue.json');
  const [job, setJob] = useState({});
  const [nodes, setNodes] = useState([]);
  const [edges, setEdges] = useState([]);
  const [errors, setErrors] = useState([]);
  const [selected, setSelected] = useState(null);
  const [tab, setTab] = useState('script');
  const [script, setScript] = useState('');
  const [preview, setPreview] = useState(null);
  const [run, setRun] = useState(null);
  const [message, setMessage] = useState('');
  const wrapper = useRef(null);

  const data = useMemo(() => toData(job, nodes, edges), [job, nodes, edges]);

  useEffect(() => {
    api('/api/node-types').then((types) => setSpecs(Object.fromEntries(types.map((t) => [t.type, t]))), (e) => setMessage(e.message));
    api('/api/job-files').then(setFiles, (e) => setMessage(e.message));
  }, []);

  // Validation and the script follow every change (debounced).
  useEffect(() => {
    const timer = setTimeout(() => {
      api('/api/validate', { method: 'POST', body: { graph: data } }).then((r) => setErrors(r.errors), (e) => setMessage(e.message));
      api('/api/script', { method: 'POST', body: { graph: data } }).then(
        (r) => setScript(r.script ?? `# The script is generated once the graph is valid:\n${r.errors.map((e) => `#   ${e.node || 'graph'}${e.field ? ` ${e.field}` : ''}: ${e.message}`).join('\n')}`),
        (e) => setScript(`# ${e.message}`),
      );
    }, 250);
    return () => clearTimeout(timer);
  }, [data]);

  // Follow a run until it ends.
  useEffect(() => {
    if (!run?.run_id || DONE.includes(run.status)) return;
    const timer = setTimeout(() => api(`/api/job-runs/${run.run_id}`).then(setRun, (e) => setRun({ ...run, error: e.message })), 1000);
    return () => clearTimeout(timer);
  }, [run]);

  const shown = nodes.map((n) => ({
    ...n,
    selected: n.id === selected,
    data: { ...n.data, spec: specs[n.data.type], errors: errors.filter((e) => e.node === n.id), failed: run?.failed_node?.id === n.id },
  }));

  const open = async (name) => {
    try {
      const file = await api(`/api/job-file?path=${encodeURIComponent(name)}`);
      const loaded = fromData(file.graph);
      setPath(file.path); setJob(loaded.job); setNodes(loaded.nodes); setEdges(loaded.edges);
      setSelected(null); setPreview(null); setRun(null); setMessage(`Opened ${file.path}`);
      setTimeout(() => flow.fitView(), 50);
    } catch (e) { setMessage(e.message); }
  };

  const newJob = () => { setJob({}); setNodes([]); setEdges([]); setSelected(null); setPreview(null); setRun(null); setMessage('New job: drag nodes from the palette'); };

  const save = async () => {
    try {
      const saved = await api('/api/job-file', { method: 'PUT', body: { path, graph: data } });
      setErrors(saved.errors);
      const script = saved.script ? ` and its script ${saved.script}` : '';
      const problems = saved.errors.length ? ` (${saved.errors.length} errors to fix before it runs)` : '';
      setMessage(`Saved ${saved.path}${script}${problems}${saved.script_kept ? `; ${saved.script_kept}` : ''}`);
      if (!files.includes(saved.path)) setFiles([...files, saved.path].sort());
      return saved;
    } catch (e) { setMessage(e.message); return null; }
  };

  const start = async () => {
    setTab('run');
    const saved = await save();
    if (!saved) return;
    try {
      const started = await api('/api/job-runs', { method: 'POST', body: { path } });
      setRun({ run_id: started.run_id, status: 'STARTING' });
    } catch (e) { setRun({ error: e.message }); }
  };

  const previewNode = async () => {
    setTab('preview');
    setPreview({ loading: true, node: selected });
    try { setPreview(await api('/api/preview', { method: 'POST', body: { graph: data, node: selected } })); }
    catch (e) { setPreview({ ok: false, message: e.message }); }
  };

  const onDrop = useCallback((event) => {
    event.preventDefault();
    const type = event.dataTransfer.getData('application/etl-node-type');
    if (!type) return;
    const position = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
    const id = `node-${Date.now()}${counter++}`;
    setNodes((ns) => [...ns, { id, type: 'glue', position, data: { type, fields: { Name: type } } }]);
    setSelected(id);
  }, [flow]);

  // Glue's job bookmark setting is a default argument of the job, kept with the graph in the job file.
  const setBookmark = (option) => setJob((j) => {
    const { [BOOKMARK]: _, ...rest } = j.DefaultArguments || {};
    const args = option ? { ...rest, [BOOKMARK]: option } : rest;
    const { DefaultArguments: __, ...others } = j;
    return Object.keys(args).length ? { ...others, DefaultArguments: args } : others;
  });

  const autoLayout = () => { setNodes(layout(nodes, edges)); setTimeout(() => flow.fitView(), 50); };
  const selectedNode = nodes.find((n) => n.id === selected);
  const groups = ['source', 'transform', 'target'];
  const graphErrors = errors.filter((e) => !e.node || !nodes.some((n) => n.id === e.node));

  return (
    <div className="editor">
      <aside className="palette">
        <h3>Job file</h3>
        <select data-testid="job-files" value="" onChange={(e) => e.target.value && open(e.target.value)}>
          <option value="">Open…</option>
          {files.map((f) => <option key={f} value={f}>{f}</option>)}
        </select>
        <input data-testid="job-path" value={path} onChange={(e) => setPath(e.target.value)} />
        <label className="small">Job bookmark (DefaultArguments)
          <select data-testid="job-bookmark" value={job.DefaultArguments?.[BOOKMARK] ?? ''} onChange={(e) => setBookmark(e.target.value)}>
            <option value="">(not set: disabled)</option>
            {['job-bookmark-enable', 'job-bookmark-disable', 'job-bookmark-pause'].map((o) => <option key={o} value={o}>{o}</option>)}
          </select>
        </label>
        <div className="buttons">
          <button onClick={newJob}>New</button>
          <button data-testid="save-button" onClick={save}>Save</button>
          <button data-testid="run-button" onClick={start}>Run</button>
          <button onClick={autoLayout}>Layout</button>
        </div>
        {groups.map((g) => (
          <div key={g}>
            <h3>{g[0].toUpperCase() + g.slice(1)}s</h3>
            {Object.values(specs).filter((s) => s.category === g).map((s) => (
              <div key={s.type} className={`palette-item ${g}`} draggable data-testid={`palette-${s.type}`}
                onDragStart={(e) => { e.dataTransfer.setData('application/etl-node-type', s.type); e.dataTransfer.effectAllowed = 'move'; }}>
                {s.type}
              </div>
            ))}
          </div>
        ))}
      </aside>
      <section className="workspace">
        <div className="message" data-testid="editor-message">{message}</div>
        {graphErrors.length > 0 && <ul className="error">{graphErrors.map((e, i) => <li key={i}>{e.node ? `${e.node}: ` : ''}{e.message}</li>)}</ul>}
        <div className="canvas" ref={wrapper} data-testid="canvas" onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = 'move'; }} onDrop={onDrop}>
          <ReactFlow nodes={shown} edges={edges} nodeTypes={NODE_TYPES}
            onNodesChange={(changes) => setNodes((ns) => applyNodeChanges(changes.filter((c) => c.type !== 'select'), ns))}
            onEdgesChange={(changes) => setEdges((es) => applyEdgeChanges(changes, es))}
            onConnect={(c) => setEdges((es) => addEdge({ ...c, id: `${c.source}->${c.target}` }, es))}
            onNodeClick={(_, n) => setSelected(n.id)} onPaneClick={() => setSelected(null)}
            deleteKeyCode={['Delete']} defaultViewport={{ x: 0, y: 0, zoom: 1 }}>
            <Background />
            <Controls />
          </ReactFlow>
        </div>
        <div className="bottom">
          <div className="tabs">
            {[['script', 'Script'], ['preview', 'Data preview'], ['run', 'Run']].map(([id, title]) => (
              <button key={id} data-testid={`tab-${id}`} className={tab === id ? 'active' : ''} onClick={() => setTab(id)}>{title}</button>
            ))}
          </div>
          <div className="tab-body">
            {tab === 'script' && <pre className="script" data-testid="script-text">{script}</pre>}
            {tab === 'preview' && <Preview result={preview} />}
            {tab === 'run' && <RunPanel run={run} />}
          </div>
        </div>
      </section>
      <aside className="form">
        {selectedNode ? (
          <NodeForm node={selectedNode} spec={specs[selectedNode.data.type]} errors={errors.filter((e) => e.node === selectedNode.id)}
            onFields={(id, fields) => setNodes((ns) => ns.map((n) => (n.id === id ? { ...n, data: { ...n.data, fields } } : n)))}
            onPreview={previewNode}
            onDelete={() => { setNodes(nodes.filter((n) => n.id !== selected)); setEdges(edges.filter((e) => e.source !== selected && e.target !== selected)); setSelected(null); }} />
        ) : (
          <p className="muted">Select a node to edit its fields.</p>
        )}
      </aside>
    </div>
  );
}

export default function Editor() {
  return (
    <ReactFlowProvider>
      <EditorCanvas />
    </ReactFlowProvider>
  );
}
