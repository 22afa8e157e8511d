// HDFS and YARN in one JVM, for tests: Hadoop's MiniDFSCluster (one NameNode, one DataNode) and
// MiniYARNCluster (one ResourceManager, one NodeManager), from hadoop-client-minicluster.
//
// Hadoop's own CLI MiniCluster (MiniHadoopClusterManager) also starts a MapReduce cluster, whose
// classes that shaded JAR lacks; this starts only what Spark on YARN needs. tests/yarn_cluster.py
// compiles it with Janino (Spark ships it; no JDK needed) and runs it with `java -cp`.
//
// Usage: MiniCluster CONF_DIR NAMENODE_PORT [key=value ...]
// The settings apply to both clusters (addresses, container sizes). When both are up, the
// configuration clients need is written to CONF_DIR/core-site.xml and yarn-site.xml (each
// written whole, then renamed), and "MiniCluster ready" is printed. It runs until killed.

import java.io.File;
import java.io.FileOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

public final class MiniCluster {
  public static void main(String[] args) throws Exception {
    File confDir = new File(args[0]);
    YarnConfiguration conf = new YarnConfiguration();
    for (int i = 2; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      conf.set(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    final MiniDFSCluster dfs =
        new MiniDFSCluster.Builder(conf).nameNodePort(Integer.parseInt(args[1])).numDataNodes(1).format(true).build();
    dfs.waitActive();
    conf.set("fs.defaultFS", dfs.getFileSystem().getUri().toString());
    final MiniYARNCluster yarn = new MiniYARNCluster("etl-tests", 1, 1, 1);
    yarn.init(conf);
    yarn.start();
    if (!yarn.waitForNodeManagersToConnect(60000)) {
      throw new IllegalStateException("the NodeManager did not register with the ResourceManager in 60 s");
    }
    Runtime.getRuntime().addShutdownHook(new Thread() {
      public void run() {
        yarn.stop();
        dfs.shutdown();
      }
    });
    // The clusters' configuration, less the test-only rack mapping class clients do not have.
    Configuration client = new Configuration(yarn.getConfig());
    client.unset("net.topology.node.switch.mapping.impl");
    write(client, new File(confDir, "core-site.xml"));
    write(client, new File(confDir, "yarn-site.xml"));
    System.out.println("MiniCluster ready");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }

  private static void write(Configuration conf, File target) throws Exception {
    File tmp = new File(target.getPath() + ".tmp");
    FileOutputStream out = new FileOutputStream(tmp);
    try {
      conf.writeXml(out);
    } finally {
      out.close();
    }
    if (!tmp.renameTo(target)) {
      throw new IllegalStateException("cannot rename " + tmp + " to " + target);
    }
  }
}
