// Rows from Arrow record batches held in a binary column: the typed batches map's Python workers
// wrote (typed_batches.py), turned into Spark rows in the executors' JVMs.
//
// The batches' schema is only known once every record is mapped, so mapInArrow cannot declare it;
// sending the batches through a second Python pass cost a worker round trip and an Arrow copy each
// way. This reads them as Spark reads the Arrow batches of a pandas DataFrame it is given
// (ArrowConverters, one batch per row, each a serialized IPC record batch message) and copies each
// row once (UnsafeProjection), as Spark does there too.
//
// etl_framework/jvm.py compiles this file at first use with Janino (see ObservedTypes.java): no
// generics, no lambdas, nested classes for the functions Spark calls.
package etl_framework.dynamicframe;

import java.util.Iterator;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.classic.Dataset;
import org.apache.spark.sql.classic.SparkSession;
import org.apache.spark.sql.execution.arrow.ArrowConverters$;
import org.apache.spark.sql.types.StructType;
import scala.jdk.javaapi.CollectionConverters;

public final class ArrowBatches {
  /** The rows, of type ``schema``, of the batches in the one binary column of ``batches``. */
  public Dataset rows(Dataset batches, StructType schema, String timeZone) {
    JavaRDD blobs = batches.queryExecution().toRdd().toJavaRDD();
    JavaRDD rows = blobs.mapPartitions(new Decode(schema, timeZone));
    return ((SparkSession) batches.sparkSession()).internalCreateDataFrame(rows.rdd(), schema, false);
  }

  public static final class Decode implements FlatMapFunction {
    private final StructType schema;
    private final String timeZone;

    Decode(StructType schema, String timeZone) {
      this.schema = schema;
      this.timeZone = timeZone;
    }

    public Iterator call(Object partition) {
      scala.collection.Iterator batches = CollectionConverters.asScala(new Blobs((Iterator) partition));
      scala.collection.Iterator rows = ArrowConverters$.MODULE$.fromBatchIterator(
          batches, schema, timeZone, false, false, TaskContext.get());
      return new Copied(CollectionConverters.asJava(rows), UnsafeProjection.create(schema));
    }
  }

  /** Each row's batch: the bytes of its first column. */
  static final class Blobs implements Iterator {
    private final Iterator rows;

    Blobs(Iterator rows) {
      this.rows = rows;
    }

    public boolean hasNext() {
      return rows.hasNext();
    }

    public Object next() {
      return ((InternalRow) rows.next()).getBinary(0);
    }
  }

  /** The batches' rows as UnsafeRows: the Arrow vectors behind a row are reused for the next batch. */
  static final class Copied implements Iterator {
    private final Iterator rows;
    private final UnsafeProjection copy;

    Copied(Iterator rows, UnsafeProjection copy) {
      this.rows = rows;
      this.copy = copy;
    }

    public boolean hasNext() {
      return rows.hasNext();
    }

    public Object next() {
      return copy.apply((InternalRow) rows.next());
    }
  }
}
