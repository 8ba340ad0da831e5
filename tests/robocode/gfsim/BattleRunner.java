package gfsim;

import robocode.BattleResults;
import robocode.control.BattleSpecification;
import robocode.control.BattlefieldSpecification;
import robocode.control.RobocodeEngine;
import robocode.control.RobotSpecification;
import robocode.control.events.BattleAdaptor;
import robocode.control.events.BattleCompletedEvent;
import robocode.control.events.BattleErrorEvent;
import robocode.control.events.RoundEndedEvent;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.util.Properties;

/**
 * Runs a .battle file through Robocode's public control API (robocode.control.RobocodeEngine)
 * and prints machine-readable lines on stdout:
 *
 *   GFSIM-TIMING jvm_to_main_ms N      JVM start to main(), from the runtime MXBean
 *   GFSIM-TIMING engine_init_ns N      creating the engine and reading the robot repository
 *   GFSIM-ROUND  run round turns       one per round (RoundEndedEvent.getTurns())
 *   GFSIM-BATTLE run total_turns ns    wall time of runBattle() for that run
 *   GFSIM-RESULT run rank name score survival survivalBonus bulletDamage bulletBonus ramDamage ramBonus firsts seconds thirds
 *
 * Usage: BattleRunner <robocode working dir> <battle file> [runs]
 * With runs > 1 the same battle runs again in the same JVM (Robocode re-seeds its random
 * generator from -DRANDOMSEED at every battle start), which gives a warmed-up, steady-state
 * timing and a same-JVM determinism check. Robocode itself is started from the same
 * robocode.jar as the command-line runner; this class only replaces robocode.Robocode's main().
 */
public class BattleRunner {

	public static void main(String[] args) throws IOException {
		long mainStartMs = System.currentTimeMillis();
		long jvmStartMs = ManagementFactory.getRuntimeMXBean().getStartTime();
		System.out.println("GFSIM-TIMING jvm_to_main_ms " + (mainStartMs - jvmStartMs));

		if (args.length < 2) {
			System.err.println("usage: BattleRunner <robocode working dir> <battle file> [runs]");
			System.exit(2);
		}
		File home = new File(args[0]);
		Properties p = new Properties();
		InputStream in = new FileInputStream(args[1]);
		try {
			p.load(in);
		} finally {
			in.close();
		}
		int runs = args.length > 2 ? Integer.parseInt(args[2]) : 1;

		int width = Integer.parseInt(p.getProperty("robocode.battleField.width", "800"));
		int height = Integer.parseInt(p.getProperty("robocode.battleField.height", "600"));
		int rounds = Integer.parseInt(p.getProperty("robocode.battle.numRounds", "10"));
		double cooling = Double.parseDouble(p.getProperty("robocode.battle.gunCoolingRate", "0.1"));
		long inactivity = Long.parseLong(p.getProperty("robocode.battle.rules.inactivityTime", "450"));
		boolean hide = Boolean.parseBoolean(p.getProperty("robocode.battle.hideEnemyNames", "true"));
		String selected = p.getProperty("robocode.battle.selectedRobots", "");
		String positions = p.getProperty("robocode.battle.initialPositions", null);

		long t0 = System.nanoTime();
		RobocodeEngine engine = new RobocodeEngine(home);
		engine.setVisible(false);
		RobotSpecification[] robots = engine.getLocalRepository(selected);
		long t1 = System.nanoTime();
		System.out.println("GFSIM-TIMING engine_init_ns " + (t1 - t0));
		if (robots == null || robots.length != selected.split(",").length) {
			System.out.println("GFSIM-ERROR robots not found: " + selected);
			engine.close();
			System.exit(3);
		}

		final Listener listener = new Listener();
		engine.addBattleListener(listener);
		BattleSpecification spec = new BattleSpecification(new BattlefieldSpecification(width, height), rounds,
				inactivity, cooling, 100, hide, robots);
		for (int run = 0; run < runs; run++) {
			listener.run = run;
			listener.totalTurns = 0;
			long b0 = System.nanoTime();
			engine.runBattle(spec, positions, true);
			long b1 = System.nanoTime();
			System.out.println("GFSIM-BATTLE " + run + " " + listener.totalTurns + " " + (b1 - b0));
		}
		engine.close();
		System.out.flush();
		System.exit(0);
	}

	private static final class Listener extends BattleAdaptor {
		int run;
		long totalTurns;

		@Override
		public void onRoundEnded(RoundEndedEvent e) {
			totalTurns += e.getTurns();
			System.out.println("GFSIM-ROUND " + run + " " + e.getRound() + " " + e.getTurns());
		}

		@Override
		public void onBattleCompleted(BattleCompletedEvent e) {
			for (BattleResults r : e.getSortedResults()) {
				System.out.println("GFSIM-RESULT " + run + "\t" + r.getRank() + "\t" + r.getTeamLeaderName() + "\t"
						+ r.getScore() + "\t" + r.getSurvival() + "\t" + r.getLastSurvivorBonus() + "\t"
						+ r.getBulletDamage() + "\t" + r.getBulletDamageBonus() + "\t" + r.getRamDamage() + "\t"
						+ r.getRamDamageBonus() + "\t" + r.getFirsts() + "\t" + r.getSeconds() + "\t" + r.getThirds());
			}
		}

		@Override
		public void onBattleError(BattleErrorEvent e) {
			System.out.println("GFSIM-ERROR " + e.getError().replace('\n', ' '));
		}
	}
}
