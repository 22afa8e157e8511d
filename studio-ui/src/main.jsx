import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './style.css';
import Editor from './Editor.jsx';
import { Bookmarks, Catalog, Crawlers, Runs, Workflows } from './Console.jsx';

const PAGES = [
  ['editor', 'Visual editor', Editor],
  ['runs', 'Jobs and runs', Runs],
  ['bookmarks', 'Bookmarks', Bookmarks],
  ['catalog', 'Data Catalog', Catalog],
  ['crawlers', 'Crawlers', Crawlers],
  ['workflows', 'Triggers and workflows', Workflows],
];

function page() {
  const name = window.location.hash.replace(/^#\/?/, '').split('/')[0];
  return PAGES.find(([id]) => id === name) ? name : 'editor';
}

function App() {
  const [current, setCurrent] = useState(page());
  useEffect(() => {
    const onHash = () => setCurrent(page());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const Page = PAGES.find(([id]) => id === current)[2];
  return (
    <div className="app">
      <nav className="top">
        <span className="brand">etl studio</span>
        {PAGES.map(([id, title]) => (
          <a key={id} href={`#/${id}`} className={id === current ? 'active' : ''} data-testid={`nav-${id}`}>
            {title}
          </a>
        ))}
      </nav>
      <main>
        <Page />
      </main>
    </div>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
