// The types observed at every path of JSON values, merged over all rows: Glue's schema inference.
//
// Its input is a VARIANT column (XML, multi-line JSON, map results) or the lines of JSON-lines files,
// which are parsed here with the JsonFactory Spark's JSON reader would use (no VARIANT is built:
// that was the larger half of the inference pass). Spark's own functions would cost one schema
// string per record (schema_of_variant) and a grouping of those strings; this walks each value once
// and keeps one small tree of type sets per partition, which Spark merges like any aggregate.
//
// etl_framework/jvm.py compiles this file at first use with Janino, the compiler Spark itself uses
// for generated code (on every Spark classpath), so a JRE stays the only prerequisite. Janino's
// Java has no generics or bridge methods: collections are raw and overrides take Object.
//
// Result, JSON: {"records": n, "malformed": n, "type": node}, where a node is
// {"k": [kinds], "f": {name: node} for objects, "e": node for array elements}. Kinds are
// schema_of_variant's names; DECIMAL counts as DOUBLE (JSON fractions are read as double).
package etl_framework.dynamicframe;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Aggregator;
import org.apache.spark.types.variant.Variant;
import org.apache.spark.unsafe.types.VariantVal;

public final class ObservedTypes extends Aggregator {
  static final String[] KINDS = {  // by bit: 1 << index
    "OBJECT", "ARRAY", "BIGINT", "DOUBLE", "STRING", "BOOLEAN", "DATE", "TIMESTAMP", "TIMESTAMP_NTZ",
    "FLOAT", "BINARY"
  };
  static final char[] HEX = "0123456789abcdef".toCharArray();

  static final int OBJECT = 1, ARRAY = 2, BIGINT = 4, DOUBLE = 8, STRING = 16, BOOLEAN = 32, DATE = 64,
      TIMESTAMP = 128, TIMESTAMP_NTZ = 256, FLOAT = 512, BINARY = 1024;

  /** The kinds seen at one path, its object fields and its array elements. */
  public static final class Node implements Serializable {
    int kinds;
    TreeMap fields;
    Node element;

    /** Adds kind ``bit``; the first time, notes the node's state in ``journal``. */
    void mark(int bit, Journal journal) {
      if ((kinds & bit) != 0) return;
      journal.changed(this);
      kinds |= bit;
      if (bit == OBJECT) fields = new TreeMap();
      if (bit == ARRAY) element = new Node();
    }

    Node child(String key, Journal journal) {
      Node child = (Node) fields.get(key);
      if (child == null) {
        child = new Node();
        fields.put(key, child);
        journal.added(this, key);
      }
      return child;
    }

    void add(Variant v, Journal journal) {
      switch (v.getType()) {
        case NULL: return;  // the path exists (its node does), no type
        case OBJECT: {
          mark(OBJECT, journal);
          int n = v.objectSize();
          for (int i = 0; i < n; i++) {
            Variant.ObjectField f = v.getFieldAtIndex(i);
            child(f.key, journal).add(f.value, journal);
          }
          return;
        }
        case ARRAY: {
          mark(ARRAY, journal);
          int n = v.arraySize();
          for (int i = 0; i < n; i++) element.add(v.getElementAtIndex(i), journal);
          return;
        }
        case LONG: mark(BIGINT, journal); return;
        case DOUBLE: case DECIMAL: mark(DOUBLE, journal); return;
        case STRING: mark(STRING, journal); return;
        case BOOLEAN: mark(BOOLEAN, journal); return;
        case DATE: mark(DATE, journal); return;
        case TIMESTAMP: mark(TIMESTAMP, journal); return;
        case TIMESTAMP_NTZ: mark(TIMESTAMP_NTZ, journal); return;
        case FLOAT: mark(FLOAT, journal); return;
        case BINARY: mark(BINARY, journal); return;
        default: throw new IllegalArgumentException("no Glue type for a variant value of type " + v.getType());
      }
    }

    /** The value that starts at ``token``, read to its end, as Spark's variant builder types it. */
    void add(JsonParser p, JsonToken token, Journal journal) throws IOException {
      switch (token) {
        case VALUE_NULL: return;
        case START_OBJECT: {
          mark(OBJECT, journal);
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            Node field = child(p.currentName(), journal);
            field.add(p, p.nextToken(), journal);
          }
          return;
        }
        case START_ARRAY: {
          mark(ARRAY, journal);
          for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) element.add(p, t, journal);
          return;
        }
        case VALUE_NUMBER_INT:  // past a long: a decimal, or a double past 38 digits
          mark(p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? DOUBLE : BIGINT, journal);
          return;
        case VALUE_NUMBER_FLOAT: mark(DOUBLE, journal); return;
        case VALUE_STRING: mark(STRING, journal); return;
        case VALUE_TRUE: case VALUE_FALSE: mark(BOOLEAN, journal); return;
        default: throw new IOException("unexpected " + token);
      }
    }

    Node merge(Node o) {
      // Partial trees from different partitions: union of kinds, fields and elements.
      kinds |= o.kinds;
      if (o.fields != null) {
        if (fields == null) fields = new TreeMap();
        for (Iterator it = o.fields.entrySet().iterator(); it.hasNext(); ) {
          Map.Entry e = (Map.Entry) it.next();
          Node mine = (Node) fields.get(e.getKey());
          fields.put(e.getKey(), mine == null ? (Node) e.getValue() : mine.merge((Node) e.getValue()));
        }
      }
      if (o.element != null) element = element == null ? o.element : element.merge(o.element);
      return this;
    }

    void render(StringBuilder out) {
      out.append("{\"k\":[");
      boolean first = true;
      for (int b = 0; b < KINDS.length; b++) {
        if ((kinds & (1 << b)) != 0) {
          if (!first) out.append(',');
          out.append('"').append(KINDS[b]).append('"');
          first = false;
        }
      }
      out.append(']');
      if (fields != null) {
        out.append(",\"f\":{");
        first = true;
        for (Iterator it = fields.entrySet().iterator(); it.hasNext(); ) {
          Map.Entry e = (Map.Entry) it.next();
          if (!first) out.append(',');
          quote(out, (String) e.getKey());
          out.append(':');
          ((Node) e.getValue()).render(out);
          first = false;
        }
        out.append('}');
      }
      if (element != null) {
        out.append(",\"e\":");
        element.render(out);
      }
      out.append('}');
    }
  }

  static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 15]);
      else out.append(c);
    }
    out.append('"');
  }

  /** What the current record changed, undone when it turns out malformed halfway through. */
  static final class Journal {
    final ArrayList nodes = new ArrayList();  // a node whose kinds changed, or the parent of a new field
    final ArrayList states = new ArrayList();  // its kinds before (Integer), or the new field's name (String)

    void changed(Node node) {
      nodes.add(node);
      states.add(new Integer(node.kinds));
    }

    void added(Node parent, String key) {
      nodes.add(parent);
      states.add(key);
    }

    void undo() {
      for (int i = nodes.size() - 1; i >= 0; i--) {
        Node node = (Node) nodes.get(i);
        Object state = states.get(i);
        if (state instanceof String) {
          node.fields.remove(state);
        } else {
          node.kinds = ((Integer) state).intValue();
          if ((node.kinds & OBJECT) == 0) node.fields = null;
          if ((node.kinds & ARRAY) == 0) node.element = null;
        }
      }
      clear();
    }

    void clear() {
      nodes.clear();
      states.clear();
    }
  }

  /** The aggregation buffer: the tree so far and the records counted into it. */
  public static final class Buffer implements Serializable {
    final Node root = new Node();
    long records;
    long malformed;
    transient Journal journal;
  }

  private JsonFactory json;  // set for JSON text input
  private boolean strictKeys;

  /** Read the input as JSON text (one record per row) with ``factory``; a duplicate key makes a
   *  record malformed unless ``allowDuplicateKeys``, as in Spark's variant parsing. */
  public ObservedTypes readsJson(JsonFactory factory, boolean allowDuplicateKeys) {
    json = factory;
    strictKeys = !allowDuplicateKeys;
    return this;
  }

  public Object zero() { return new Buffer(); }

  public Object reduce(Object buffer, Object row) {
    Buffer b = (Buffer) buffer;
    Row r = (Row) row;
    if (r.isNullAt(0)) return b;
    if (b.journal == null) b.journal = new Journal();
    if (json == null) {
      VariantVal v = (VariantVal) r.get(0);
      b.records++;
      b.root.add(new Variant(v.getValue(), v.getMetadata()), b.journal);
      b.journal.clear();
      return b;
    }
    return addText(b, (byte[]) r.get(0));
  }

  /** Counts the one JSON record in ``text`` (none in a blank line) and adds its types, or counts it
   *  malformed and adds none. */
  Buffer addText(Buffer b, byte[] text) {
    boolean counted = false;
    try {
      JsonParser p = json.createParser(text);
      try {
        if (strictKeys) p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        JsonToken first = p.nextToken();
        if (first == null) return b;  // a blank line holds no record; text after the first value is ignored
        b.records++;
        counted = true;
        b.root.add(p, first, b.journal);
        b.journal.clear();
      } finally {
        p.close();
      }
    } catch (IOException e) {  // JsonProcessingException included: a malformed record
      if (!counted) b.records++;  // not JSON from its first character on
      b.malformed++;
      b.journal.undo();
    }
    return b;
  }

  public Object merge(Object a, Object b) {
    Buffer x = (Buffer) a, y = (Buffer) b;
    x.root.merge(y.root);
    x.records += y.records;
    x.malformed += y.malformed;
    return x;
  }

  public Object finish(Object buffer) {
    Buffer b = (Buffer) buffer;
    StringBuilder out = new StringBuilder();
    out.append("{\"records\":").append(b.records).append(",\"malformed\":").append(b.malformed).append(",\"type\":");
    b.root.render(out);
    return out.append('}').toString();
  }

  /** The aggregation over ``lines`` (a List of byte[]: JSON text, see readsJson) run here, on the
   *  driver: for lines read there (FileLines.java), where a Spark aggregation costs two jobs. */
  public String observe(java.util.List lines) {
    Buffer b = (Buffer) zero();
    b.journal = new Journal();
    for (int i = 0; i < lines.size(); i++) addText(b, (byte[]) lines.get(i));
    return (String) finish(b);
  }

  public Encoder bufferEncoder() { return Encoders.javaSerialization(Buffer.class); }

  public Encoder outputEncoder() { return Encoders.STRING(); }
}
