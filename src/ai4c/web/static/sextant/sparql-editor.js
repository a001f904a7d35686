/* A small SPARQL editor: a textarea over a highlighted copy of its text (keywords, variables, IRIs,
   prefixed names, literals, comments), a button inserting the usual GeoSPARQL/stSPARQL prefixes,
   Tab indents and Ctrl/Cmd+Enter runs. */
(function () {
  'use strict';

  const PREFIXES = {
    geo: 'http://www.opengis.net/ont/geosparql#',
    geof: 'http://www.opengis.net/def/function/geosparql/',
    uom: 'http://www.opengis.net/def/uom/OGC/1.0/',
    strdf: 'http://strdf.di.uoa.gr/ontology#',
    rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
    rdfs: 'http://www.w3.org/2000/01/rdf-schema#',
    xsd: 'http://www.w3.org/2001/XMLSchema#',
    owl: 'http://www.w3.org/2002/07/owl#',
    time: 'http://www.w3.org/2006/time#',
  };
  const KEYWORDS = ['SELECT', 'DISTINCT', 'REDUCED', 'WHERE', 'FILTER', 'OPTIONAL', 'UNION', 'MINUS', 'GRAPH',
    'PREFIX', 'BASE', 'LIMIT', 'OFFSET', 'ORDER', 'BY', 'GROUP', 'HAVING', 'ASC', 'DESC', 'AS', 'BIND',
    'VALUES', 'CONSTRUCT', 'DESCRIBE', 'ASK', 'FROM', 'NAMED', 'SERVICE', 'SILENT', 'NOT', 'EXISTS', 'IN',
    'COUNT', 'SUM', 'MIN', 'MAX', 'AVG', 'SAMPLE', 'GROUP_CONCAT', 'STR', 'LANG', 'DATATYPE', 'BOUND',
    'IF', 'COALESCE', 'REGEX', 'CONTAINS', 'STRSTARTS', 'YEAR', 'MONTH', 'DAY', 'NOW', 'a'];
  const TOKEN = new RegExp([
    '(#[^\\n]*)',                                   // 1 comment
    '("(?:[^"\\\\]|\\\\.)*"|\'(?:[^\'\\\\]|\\\\.)*\')', // 2 string
    '(<[^<>\\s]*>)',                                // 3 IRI
    '([?$][A-Za-z_][\\w]*)',                        // 4 variable
    '([A-Za-z][\\w-]*:[\\w.-]*)',                   // 5 prefixed name
    '\\b(' + KEYWORDS.join('|') + ')\\b',           // 6 keyword
    '(\\b\\d+(?:\\.\\d+)?\\b)',                      // 7 number
  ].join('|'), 'gi');
  const CLASSES = [null, 'sx-comment', 'sx-string', 'sx-iri', 'sx-var', 'sx-pname', 'sx-keyword', 'sx-number'];

  function escapeHtml(text) {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  }

  function highlight(text) {
    let out = '', last = 0, match;
    TOKEN.lastIndex = 0;
    while ((match = TOKEN.exec(text)) !== null) {
      if (match[0] === '') { TOKEN.lastIndex++; continue; }
      out += escapeHtml(text.slice(last, match.index));
      const group = match.slice(1).findIndex((g) => g !== undefined) + 1;
      out += '<span class="' + CLASSES[group] + '">' + escapeHtml(match[0]) + '</span>';
      last = match.index + match[0].length;
    }
    return out + escapeHtml(text.slice(last)) + '\n';
  }

  function SparqlEditor(textarea, pre, onRun) {
    this.textarea = textarea;
    this.pre = pre;
    const sync = () => {
      pre.innerHTML = highlight(textarea.value);
      pre.scrollTop = textarea.scrollTop;
      pre.scrollLeft = textarea.scrollLeft;
    };
    this.refresh = sync;
    textarea.addEventListener('input', sync);
    textarea.addEventListener('scroll', sync);
    textarea.addEventListener('keydown', (event) => {
      if (event.key === 'Tab') {
        event.preventDefault();
        const start = textarea.selectionStart;
        textarea.setRangeText('  ', start, textarea.selectionEnd, 'end');
        sync();
      } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && onRun) {
        event.preventDefault();
        onRun();
      }
    });
    sync();
  }

  SparqlEditor.prototype.value = function () { return this.textarea.value; };
  SparqlEditor.prototype.set = function (text) { this.textarea.value = text; this.refresh(); };

  /* insert the PREFIX lines the query uses but does not declare (all of them when none is used) */
  SparqlEditor.prototype.addPrefixes = function () {
    const text = this.textarea.value;
    const declared = new Set(Array.from(text.matchAll(/PREFIX\s+([\w-]*):/gi), (m) => m[1]));
    let wanted = Object.keys(PREFIXES).filter((p) => !declared.has(p) && new RegExp('\\b' + p + ':').test(text));
    if (!wanted.length) wanted = Object.keys(PREFIXES).filter((p) => !declared.has(p));
    const lines = wanted.map((p) => 'PREFIX ' + p + ': <' + PREFIXES[p] + '>').join('\n');
    if (lines) this.set(lines + '\n' + text);
  };

  SparqlEditor.PREFIXES = PREFIXES;
  SparqlEditor.highlight = highlight;
  window.SparqlEditor = SparqlEditor;
}());
