// The lines of a few small files, read on the driver in one py4j call, for schema inference there
// without a Spark job (inference.observed_json_files: a bookmarked run's new JSON-lines files).
//
// Each file is split by Hadoop's LineRecordReader over one split of the whole listed length, which
// is what Spark's JSON-lines and text readers run per file (HadoopFileLinesReader): the same line
// ends (\n, \r\n, \r), the same UTF-8 byte order mark skipped at a file's start, the same
// mapreduce.input.linerecordreader.line.maxlength, through the same FileSystem (file:, s3a:, hdfs:).
//
// etl_framework/jvm.py compiles this file at first use with Janino (see ObservedTypes.java).
//
// Result: a java.util.List of byte[], one per line of every file in turn, for ObservedTypes.observe.
package etl_framework.dynamicframe;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.TaskAttemptID;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.LineRecordReader;
import org.apache.hadoop.mapreduce.task.TaskAttemptContextImpl;

public final class FileLines {
  /** The lines of ``paths`` (a String[]); ``lengths`` holds each file's listed length, comma-separated. */
  public ArrayList read(Object paths, String lengths, Configuration conf) throws IOException {
    String[] files = (String[]) paths;
    String[] sizes = lengths.isEmpty() ? new String[0] : lengths.split(",");
    if (sizes.length != files.length) throw new IllegalArgumentException("one length per path expected");
    ArrayList out = new ArrayList();
    TaskAttemptContextImpl context = new TaskAttemptContextImpl(conf, new TaskAttemptID());
    // Spark's settings for files that vanish after listing or fail to read: skipped, the lines read
    // before a failure kept (FileScanRDD); the session's settings are in the conf it gives reads.
    boolean ignoreMissing = conf.getBoolean("spark.sql.files.ignoreMissingFiles", false);
    boolean ignoreCorrupt = conf.getBoolean("spark.sql.files.ignoreCorruptFiles", false);
    for (int i = 0; i < files.length; i++) {
      LineRecordReader reader = new LineRecordReader();
      try {
        reader.initialize(new FileSplit(new Path(files[i]), 0, Long.parseLong(sizes[i]), new String[0]), context);
        while (reader.nextKeyValue()) {
          Text line = reader.getCurrentValue();
          out.add(Arrays.copyOf(line.getBytes(), line.getLength()));
        }
      } catch (FileNotFoundException e) {
        if (!ignoreMissing) throw e;
      } catch (IOException e) {
        if (!ignoreCorrupt) throw e;
      } catch (RuntimeException e) {
        if (!ignoreCorrupt) throw e;
      } finally {
        reader.close();
      }
    }
    return out;
  }
}
