// The facts of a listing that listing.py needs, for a whole FileStatus[] in one py4j call.
//
// Calling getPath, isDirectory, getLen and getModificationTime through py4j costs a round trip
// each, per file (seconds for 10,000 files); FileStatus.toString() is one string but cannot be
// parsed back when a name holds its separators ("; isDirectory="). Each path here is prefixed by
// its length, so any character may be in it.
//
// etl_framework/jvm.py compiles this file at first use with Janino (see ObservedTypes.java).
//
// The parameter is an Object: file systems return arrays of their own FileStatus subclass (S3A's
// S3AFileStatus[]), and py4j matches an array argument only to a parameter of exactly its type.
//
// Result: per status, "<path length>:<path>,<d|f>,<length>,<modification time>;".
package etl_framework.sources;

import org.apache.hadoop.fs.FileStatus;

public final class FileStatuses {
  public String describe(Object array) {
    Object[] statuses = (Object[]) array;
    StringBuilder out = new StringBuilder();
    if (statuses == null) return "";
    for (int i = 0; i < statuses.length; i++) {
      FileStatus status = (FileStatus) statuses[i];
      String path = status.getPath().toString();
      out.append(path.length()).append(':').append(path).append(',');
      out.append(status.isDirectory() ? 'd' : 'f').append(',');
      out.append(status.getLen()).append(',').append(status.getModificationTime()).append(';');
    }
    return out.toString();
  }
}
