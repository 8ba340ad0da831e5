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
    ((pygame.K_w,), "toggle_waves", "W", "gun waves on/off: MEA arc, [gf_lo, gf_hi] hit interval, white tick = GF fired"),
    ((pygame.K_g,), "toggle_aim", "G", "gun's aiming density along its waves (yellow, outside) on/off"),
    ((pygame.K_d,), "toggle_danger", "D", "surfer's danger along enemy waves (pink, inside) on/off"),
    ((pygame.K_v,), "toggle_virtual", "V", "virtual waves too (if recorded) on/off"),
    ((pygame.K_s, pygame.K_F12), "screenshot", "S  F12", "screenshot to PNG"),
    ((pygame.K_h, pygame.K_F1, pygame.K_SLASH), "toggle_help", "H  F1  ?", "this help"),
    ((pygame.K_q, pygame.K_ESCAPE), "quit", "Q  Esc", "quit"),
)
HELP = tuple((keys, text) for _, _, keys, text in BINDINGS) + (("Mouse", "click or drag the seek bar"),)

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
            return ("seek_fraction", x) if x is not None else None
        if event.type == pygame.MOUSEMOTION and event.buttons and event.buttons[0]:
            x = renderer.seek_fraction_at(event.pos, dragging=True)
            return ("seek_fraction", x) if x is not None else None
    return None
