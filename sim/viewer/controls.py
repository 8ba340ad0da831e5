"""Keys and mouse to playback actions. The help overlay lists HELP."""
import pygame

# (keys, action, help text); the first key of each row is the one the help shows first
BINDINGS = (
    ((pygame.K_SPACE,), "play", "Space", "play / pause"),
    ((pygame.K_RIGHT, pygame.K_PERIOD), "forward", "Right  .", "step one turn forward"),
    ((pygame.K_LEFT, pygame.K_COMMA), "back", "Left  ,", "step one turn back"),
    ((), "forward10", "Shift+Right", "ten turns forward"),
    ((), "back10", "Shift+Left", "ten turns back"),
    ((pygame.K_UP, pygame.K_EQUALS, pygame.K_PLUS, pygame.K_KP_PLUS), "faster", "Up  +", "faster (0.25x .. 64x, max)"),
    ((pygame.K_DOWN, pygame.K_MINUS, pygame.K_KP_MINUS), "slower", "Down  -", "slower"),
    ((pygame.K_1,), "normal", "1", "normal speed (1x = 30 turns/s)"),
    ((pygame.K_PAGEDOWN, pygame.K_n), "next_round", "PgDn  N", "next round"),
    ((pygame.K_PAGEUP, pygame.K_p), "prev_round", "PgUp  P", "round start / previous round"),
    ((pygame.K_HOME,), "start", "Home", "first turn"),
    ((pygame.K_END,), "end", "End", "last turn"),
    ((pygame.K_a,), "toggle_scan", "A", "scan arcs on/off"),
    ((pygame.K_b,), "toggle_paths", "B", "bullet paths on/off"),
    ((pygame.K_t,), "toggle_stats", "T", "hit rate and damage on/off"),
    ((pygame.K_l,), "toggle_labels", "L", "names and energy on/off"),
    ((pygame.K_w,), "toggle_waves", "W", "gun waves on/off: arc over the MEA in the shooter's colour, "
                                         "bright bar = hit interval, white tick = GF fired"),
    ((pygame.K_g,), "toggle_aim", "G", "each gun's aiming density, outside its own waves, in its colour, on/off"),
    ((pygame.K_d,), "toggle_danger", "D", "the surfer's danger, inside the enemy's waves, in the surfer's colour, on/off"),
    ((pygame.K_c,), "toggle_checks", "C", "the surfer's waves checked against the real bullets: rings of the "
                                          "waves it missed (red), misjudged (orange: power, yellow: turn) "
                                          "or imagined (grey), on/off"),
    ((pygame.K_v,), "toggle_virtual", "V", "virtual waves too (if recorded) on/off"),
    ((pygame.K_x,), "toggle_loss", "X", "loss overlay on/off: each wave's loss as it breaks, GF panel"),
    ((pygame.K_u,), "units", "U", "losses in nats / bits"),
    ((pygame.K_LEFTBRACKET,), "older_wave", "[", "GF panel: the wave before (click a wave to pick it)"),
    ((pygame.K_RIGHTBRACKET,), "newer_wave", "]", "GF panel: the wave after (past the newest: follow the latest)"),
    ((pygame.K_k,), "toggle_legend", "K", "colour key (legend) on/off"),
    ((pygame.K_s, pygame.K_F12), "screenshot", "S  F12", "screenshot to PNG"),
    ((pygame.K_h, pygame.K_F1, pygame.K_SLASH), "toggle_help", "H  F1  ?", "this help"),
    ((pygame.K_q, pygame.K_ESCAPE), "quit", "Q  Esc", "quit"),
)
HELP = tuple((keys, text) for _, _, keys, text in BINDINGS) + (
    ("Mouse", "click or drag the seek bar; click a wave to show it in the GF panel"),
    ("Seek bar", "ticks = round starts; triangle = a robot died (its colour): above for the left replay, "
                 "below for the right"))

_KEYMAP = {key: action for keys, action, _, _ in BINDINGS for key in keys}
_SHIFTED = {pygame.K_RIGHT: "forward10", pygame.K_LEFT: "back10"}


def action_for_key(key, mod=0):
    """The action bound to a key (with modifiers), or None."""
    if mod & pygame.KMOD_SHIFT and key in _SHIFTED:
        return _SHIFTED[key]
    return _KEYMAP.get(key)


def action_for_event(event, renderer=None):
    """Map a pygame event to (action, argument) or None. Clicks and drags on the seek bar
    become ("seek_fraction", x)."""
    if event.type == pygame.QUIT:
        return "quit", None
    if event.type == pygame.KEYDOWN:
        a = action_for_key(event.key, getattr(event, "mod", 0))
        return (a, None) if a else None
    if renderer is not None:
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            x = renderer.seek_fraction_at(event.pos)
            if x is not None:
                return "seek_fraction", x
            row = renderer.wave_row_at(event.pos)
            return ("select_wave", row) if row is not None else None
        if event.type == pygame.MOUSEMOTION and event.buttons and event.buttons[0]:
            x = renderer.seek_fraction_at(event.pos, dragging=True)
            return ("seek_fraction", x) if x is not None else None
    return None
