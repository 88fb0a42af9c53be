// Apache Jena SHACL on several data files, each against its shapes graph, in one JVM: the
// comparison of mag-graph's engines with Jena (benchmarks/jena.py, the validation
// benchmark and tests/test_jena_agreement.py). Compiled by scripts/ensure-jena.sh against
// Debian's libapache-jena-java into .cache/jena/classes (not committed).
//
//   java -cp CLASSPATH JenaShaclBatch SHAPES1.ttl DATA1.nt REPORT1.nt [SHAPES2.ttl DATA2.nt REPORT2.nt ...]
//
// Writes each report as N-Triples and prints one line per data file: the seconds Jena took
// to parse its shapes (0 when the same file came before), to parse the data and to
// validate it, the number of results, and the CPU seconds of the validation (this thread's:
// the validation runs on it; the machine may be shared, so wall time alone misleads).
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

import org.apache.jena.graph.Graph;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;

public class JenaShaclBatch {
    public static void main(String[] args) throws Exception {
        Map<String, Shapes> parsedShapes = new HashMap<>();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int i = 0; i + 2 < args.length; i += 3) {
            long started = System.nanoTime();
            Shapes shapes = parsedShapes.get(args[i]);
            if (shapes == null) {
                shapes = Shapes.parse(RDFDataMgr.loadGraph(args[i]));
                parsedShapes.put(args[i], shapes);
            }
            long before = System.nanoTime();
            Graph data = RDFDataMgr.loadGraph(args[i + 1]);
            long parsed = System.nanoTime();
            long cpuBefore = threads.getCurrentThreadCpuTime();
            ValidationReport report = ShaclValidator.get().validate(shapes, data);
            long cpu = threads.getCurrentThreadCpuTime() - cpuBefore;
            long validated = System.nanoTime();
            try (OutputStream out = new FileOutputStream(args[i + 2])) {
                RDFDataMgr.write(out, report.getGraph(), Lang.NTRIPLES);
            }
            System.out.printf("%.6f\t%.6f\t%.6f\t%d\t%.6f%n", (before - started) / 1e9, (parsed - before) / 1e9,
                    (validated - parsed) / 1e9, report.getEntries().size(), cpu / 1e9);
            System.out.flush();
        }
    }
}
