package gfsim;

import robocode.AdvancedRobot;

import java.io.BufferedReader;
import java.io.FileReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Scripted robot for gfsim's turn-by-turn conformance scenarios.
 *
 * It reads the command file named by the system property {@code gfsim.scenario}
 * (written by sim/robocode_real.py from a scenario JSON), finds its own robot index
 * from its battle name ("gfsim.ScenarioBot* (k)" is robot k-1; a lone instance is
 * robot 0), and for every turn t = 1..T calls the AdvancedRobot setters listed for
 * (robot, t) in the file's order, then {@code execute()}, whose effect is turn t.
 * It does nothing else: no event handlers, no colours, no scanning calls.
 *
 * End of the scenario: after turn T it calls {@code execute()} once more (turn T+1,
 * so nothing the robot thread does can touch the turn-T snapshot, which Robocode
 * takes after the robots' code has run) and then throws. Robocode catches the
 * exception and drains the robot's energy to 0 (disabled). With every robot
 * disabled, the next inactivity zap (inactivityTime turns later) kills them all in
 * the same turn and the round ends 151 turns after that. Only turns 0..T are
 * compared.
 *
 * File format (one record per line, blank lines and '#' comments ignored):
 *   gfsim-scenario 1
 *   robots N
 *   turns T
 *   c ROBOT TURN FIELD VALUE    (FIELD: ahead, turn_right, turn_gun_right, ...; VALUE a Java double)
 */
public class ScenarioBot extends AdvancedRobot {

	private static final class Cmd {
		final String field;
		final double value;

		Cmd(String field, double value) {
			this.field = field;
			this.value = value;
		}
	}

	public void run() {
		int turns;
		Map<Integer, List<Cmd>> byTurn = new HashMap<Integer, List<Cmd>>();
		int index = robotIndex(getName());
		try {
			turns = load(System.getProperty("gfsim.scenario"), index, byTurn);
		} catch (Exception e) {
			out.println("GFSIM-ERROR: cannot read scenario: " + e);
			throw new ScenarioEnd();
		}
		out.println("GFSIM-START robot=" + index + " turns=" + turns);
		// Robocode's round start has a lost-wakeup race: if a robot reaches its first execute()
		// before the battle thread waits for it, the battle waits its full start-up timeout
		// (300 x CPU constant, up to 10 s). A short pause before the first execute() avoids it
		// and has no effect on the game (the battle waits for the robot either way).
		try {
			Thread.sleep(30);
		} catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
		while (true) {
			long t = getTime() + 1;
			if (t > turns) {
				break;
			}
			List<Cmd> cmds = byTurn.get((int) t);
			if (cmds != null) {
				for (Cmd c : cmds) {
					apply(c);
				}
			}
			execute();
		}
		execute(); // turn T+1: keep the turn-T snapshot untouched
		out.println("GFSIM-END robot=" + index + " time=" + getTime());
		throw new ScenarioEnd();
	}

	/** Thrown after the last turn; Robocode drains the robot's energy to 0. */
	public static final class ScenarioEnd extends RuntimeException {
		private static final long serialVersionUID = 1L;

		public ScenarioEnd() {
			super("gfsim scenario finished");
		}
	}

	private void apply(Cmd c) {
		final String f = c.field;
		final double v = c.value;
		if (f.equals("ahead")) {
			setAhead(v);
		} else if (f.equals("turn_right")) {
			setTurnRight(v);
		} else if (f.equals("turn_gun_right")) {
			setTurnGunRight(v);
		} else if (f.equals("turn_radar_right")) {
			setTurnRadarRight(v);
		} else if (f.equals("fire")) {
			setFire(v);
		} else if (f.equals("max_velocity")) {
			setMaxVelocity(v);
		} else if (f.equals("max_turn_rate")) {
			setMaxTurnRate(v);
		} else if (f.equals("adjust_gun_for_robot_turn")) {
			setAdjustGunForRobotTurn(v != 0);
		} else if (f.equals("adjust_radar_for_gun_turn")) {
			setAdjustRadarForGunTurn(v != 0);
		} else if (f.equals("adjust_radar_for_robot_turn")) {
			setAdjustRadarForRobotTurn(v != 0);
		} else {
			out.println("GFSIM-ERROR: unknown field " + f);
		}
	}

	static int robotIndex(String name) {
		int close = name.lastIndexOf(')');
		int open = name.lastIndexOf('(');
		if (close == name.length() - 1 && open >= 0 && open < close) {
			try {
				return Integer.parseInt(name.substring(open + 1, close).trim()) - 1;
			} catch (NumberFormatException ignore) {
				return 0;
			}
		}
		return 0;
	}

	private static int load(String path, int index, Map<Integer, List<Cmd>> byTurn) throws IOException {
		if (path == null) {
			throw new IOException("system property gfsim.scenario is not set");
		}
		int turns = -1;
		BufferedReader in = new BufferedReader(new FileReader(path));
		try {
			String line;
			while ((line = in.readLine()) != null) {
				line = line.trim();
				if (line.length() == 0 || line.startsWith("#")) {
					continue;
				}
				String[] p = line.split("\\s+");
				if (p[0].equals("turns")) {
					turns = Integer.parseInt(p[1]);
				} else if (p[0].equals("c") && p.length == 5 && Integer.parseInt(p[1]) == index) {
					int turn = Integer.parseInt(p[2]);
					List<Cmd> list = byTurn.get(turn);
					if (list == null) {
						list = new ArrayList<Cmd>();
						byTurn.put(turn, list);
					}
					list.add(new Cmd(p[3], Double.parseDouble(p[4])));
				}
			}
		} finally {
			in.close();
		}
		if (turns < 0) {
			throw new IOException("no 'turns' line in " + path);
		}
		return turns;
	}
}
