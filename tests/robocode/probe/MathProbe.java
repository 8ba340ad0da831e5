import java.util.Random;

/**
 * Prints Java's Math.atan2, Math.hypot, Math.sin and Math.cos (as HotSpot computes them: atan2 and hypot
 * are StrictMath/fdlibm, sin and cos are x86-64 intrinsics) for special arguments and for `n` random
 * battlefield-sized ones, as raw IEEE-754 bits in hex, one line per argument pair:
 * x y atan2(x, y) hypot(x, y) sin(x / 100) cos(x / 100).
 * Used by tests/test_jmath.py (golden file tests/golden/jmath.txt.gz and the live check).
 *     java MathProbe N SEED
 */
public class MathProbe {
    static String hex(double v) { return Long.toHexString(Double.doubleToRawLongBits(v)); }

    static void line(StringBuilder sb, double x, double y) {
        double h = x / 100.0;
        sb.append(hex(x)).append(' ').append(hex(y)).append(' ').append(hex(Math.atan2(x, y))).append(' ')
          .append(hex(Math.hypot(x, y))).append(' ').append(hex(Math.sin(h))).append(' ').append(hex(Math.cos(h)))
          .append('\n');
    }

    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        Random r = new Random(Long.parseLong(args[1]));
        double[] special = {0.0, -0.0, 1.0, -1.0, 1e-310, -1e-310, 1e-300, 1e300, -1e300, 1e155, 1e-160,
                Double.MIN_VALUE, Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN,
                36.0, 400.0, 0.5, 2.4375, 0.4375, 1.1875, 3e19, 1.5};
        StringBuilder sb = new StringBuilder();
        for (double x : special)
            for (double y : special)
                line(sb, x, y);
        for (int i = 0; i < n; i++) {
            double x = (r.nextDouble() * 2 - 1) * 1200, y = (r.nextDouble() * 2 - 1) * 1200;
            if (i % 4 == 1) x = Math.rint(x);                   // robot positions often sit on whole pixels
            if (i % 8 == 3) y = (r.nextDouble() * 2 - 1) * 1e-3;  // nearly aligned robots
            line(sb, x, y);
        }
        System.out.print(sb);
    }
}
