import java.util.Random;

/**
 * Prints Java's Math.atan2, Math.hypot, Math.sin, Math.cos and Math.tan (as HotSpot computes them: atan2
 * and hypot are StrictMath/fdlibm, sin, cos and tan are x86-64 intrinsics) as raw IEEE-754 bits in hex,
 * one line per case:  x y atan2(x, y) hypot(x, y) a sin(a) cos(a) tan(a).
 * Cases: every pair of special arguments (zeros of both signs, subnormals, huge values, infinities, NaN,
 * fdlibm's branch points) with a = x / 100; then `n` random battlefield-sized pairs, whose angle a is
 * x / 100, a heading in [0, 2 pi), a multiple of pi/2 plus a few ulps (tan's poles, the walls' angles),
 * or a value near a boundary of the intrinsics' paths (2^-29, 0.1, 12800, 90112).
 * Used by tests/test_jmath.py (golden file tests/golden/jmath.txt.gz and the live check).
 *     java MathProbe N SEED
 */
public class MathProbe {
    static String hex(double v) { return Long.toHexString(Double.doubleToRawLongBits(v)); }

    static void line(StringBuilder sb, double x, double y, double a) {
        sb.append(hex(x)).append(' ').append(hex(y)).append(' ').append(hex(Math.atan2(x, y))).append(' ')
          .append(hex(Math.hypot(x, y))).append(' ').append(hex(a)).append(' ').append(hex(Math.sin(a)))
          .append(' ').append(hex(Math.cos(a))).append(' ').append(hex(Math.tan(a))).append('\n');
    }

    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        Random r = new Random(Long.parseLong(args[1]));
        double[] special = {0.0, -0.0, 1.0, -1.0, 1e-310, -1e-310, 1e-300, 1e300, -1e300, 1e155, 1e-160,
                Double.MIN_VALUE, Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN,
                36.0, 400.0, 0.5, 2.4375, 0.4375, 1.1875, 3e19, 1.5};
        double[] bounds = {Math.scalb(1.0, -29), 0.1015625, 12800.0, 90112.0, Math.scalb(1.0, -252), 1e-5};
        StringBuilder sb = new StringBuilder();
        for (double x : special)
            for (double y : special)
                line(sb, x, y, x / 100.0);
        for (int i = 0; i < n; i++) {
            double x = (r.nextDouble() * 2 - 1) * 1200, y = (r.nextDouble() * 2 - 1) * 1200;
            if (i % 4 == 1) x = Math.rint(x);                   // robot positions often sit on whole pixels
            if (i % 8 == 3) y = (r.nextDouble() * 2 - 1) * 1e-3;  // nearly aligned robots
            double a;
            switch (i % 4) {
                case 0: a = x / 100.0; break;
                case 1: a = r.nextDouble() * 2 * Math.PI; break;
                case 2: a = Math.nextUp(r.nextInt(4) * Math.PI / 2) + (r.nextInt(9) - 4) * Math.ulp(1.0); break;
                default: a = bounds[r.nextInt(bounds.length)] * (1 + (r.nextDouble() - 0.5) * 1e-3)
                        * (r.nextBoolean() ? 1 : -1);
            }
            line(sb, x, y, a);
        }
        System.out.print(sb);
    }
}
