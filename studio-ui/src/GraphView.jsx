// A read-only graph (a workflow run's nodes and their states).
import { ReactFlow, Background } from '@xyflow/react';
import { layout } from './layout.js';

export function GraphView({ nodes, edges }) {
  const flowEdges = edges.map((e) => ({ id: `${e.source}->${e.target}`, source: e.source, target: e.target }));
  const flowNodes = layout(
    nodes.map((n) => ({
      id: n.id,
      data: { label: (<div><b>{n.label}</b><div className={`status status-${n.tone}`}>{n.detail}</div></div>) },
      sourcePosition: 'right',
      targetPosition: 'left',
      style: { width: 200 },
    })),
    flowEdges,
  );
  return (
    <div className="graph-view">
      <ReactFlow nodes={flowNodes} edges={flowEdges} fitView nodesDraggable={false} nodesConnectable={false}>
        <Background />
      </ReactFlow>
    </div>
  );
}
