# pragma version 0.4.3
"""
@title Points and badges
@notice The gamified mechanism: adding data is free. After `refund_wait_s`
        the author of a contribution that the model still agrees with may
        claim a point for it (through `refund`); a contribution the model
        disagrees with may instead be reported by anyone else with at least
        one point and at least as many points as its author (through
        `report`), which marks it bad on its author's record and spends one
        of the reporter's points: the author loses the point it hoped for,
        and the reporter pays as much. Each contribution is settled once,
        one way or the other.
        Badges mark milestones and are awarded exactly once, each with an
        event: first contribution, 10 and 100 points, every label used,
        contributions on 7 distinct days (UTC).
@dev No ether is involved: `add_data` refuses any value, so none can be
     locked. Each account's statistics fit one storage word.
"""


# --------------------------------------------------------------- imports --

from ..common import data_handler


# ------------------------------------------------------------------ uses --

uses: data_handler


# ------------------------------------------------------------- constants --

# @dev Badge ids (bit positions in `badges(account)`).
BADGE_FIRST_CONTRIBUTION: constant(uint256) = 0
BADGE_10_POINTS: constant(uint256) = 1
BADGE_100_POINTS: constant(uint256) = 2
BADGE_EVERY_LABEL: constant(uint256) = 3
BADGE_7_DAYS: constant(uint256) = 4
NUM_BADGES: constant(uint256) = 5
_DISTINCT_DAYS_FOR_BADGE: constant(uint256) = 7
_DAY_S: constant(uint256) = 86_400

# @dev Field masks of an account word (layout at `_stats`).
_M32: constant(uint256) = 2**32 - 1
_M16: constant(uint256) = 2**16 - 1
_M64: constant(uint256) = 2**64 - 1


# ------------------------------------------------------------ immutables --

# @dev Seconds after adding before a contribution can be settled.
refund_wait_s: public(immutable(uint256))


# --------------------------------------------------------------- storage --

# @dev Account word layout: contributions 0-31, points 32-63, reported 64-95,
#      reports made 96-127, labels used 128-191, last day 192-223,
#      distinct days 224-239, badges 240-255.
_stats: HashMap[address, uint256]

# @dev Points held over all accounts (awarded minus spent on reports).
total_good_contributions: public(uint256)


# --------------------------------------------------------------- structs --

# @dev An account word decoded (`stats`, `_unpack`, `_store`).
struct Stats:
    contributions: uint256    # data added
    points: uint256           # contributions settled as good, minus reports made
    reported: uint256         # contributions settled as bad by a report
    reports_made: uint256     # reports this account made
    labels_used: uint256      # bit i set once label i was used (labels < 64)
    last_day: uint256         # UTC day (timestamp // 86400) of the last contribution
    distinct_days: uint256    # days with at least one contribution
    badges: uint256           # bit b set once badge b was awarded


# ---------------------------------------------------------------- events --

event PointAwarded:
    author: indexed(address)
    key: bytes32


event Reported:
    reporter: indexed(address)
    author: indexed(address)
    key: bytes32


event BadgeAwarded:
    account: indexed(address)
    badge: uint256


# ----------------------------------------------------------- constructor --

@deploy
def __init__(_refund_wait_s: uint256):
    refund_wait_s = _refund_wait_s


# -------------------------------------------------------------- external --

@external
@view
def next_deposit() -> uint256:
    """
    @notice Adding data to a points trainer is free.
    @return 0
    """
    return 0


@external
@view
def good_contributions(account: address) -> uint256:
    """
    @notice Points of `account`: its contributions settled as good, less
            one for each report it made.
    @param account The account.
    @return Its points.
    """
    return (self._stats[account] >> 32) & _M32


@external
@view
def stats(account: address) -> Stats:
    """
    @notice Everything the mechanism records about an account.
    @param account The account.
    @return Its statistics (see the Stats struct).
    """
    return self._unpack(self._stats[account])


@external
@view
def badges(account: address) -> uint256:
    """
    @notice The badges of `account` as a bit set (bit b = badge b).
    @param account The account.
    @return The bit set.
    """
    return self._stats[account] >> 240


@external
@view
def has_badge(account: address, badge: uint256) -> bool:
    """
    @notice Whether `account` holds badge `badge` (0..NUM_BADGES-1).
    @param account The account.
    @param badge The badge id.
    @return True if awarded.
    """
    assert badge < NUM_BADGES, "points: unknown badge"
    return (self._stats[account] >> (240 + badge)) & 1 == 1


@external
@pure
def badge_name(badge: uint256) -> String[32]:
    """
    @notice What a badge is for.
    @param badge The badge id.
    @return Its name.
    """
    if badge == BADGE_FIRST_CONTRIBUTION:
        return "first contribution"
    if badge == BADGE_10_POINTS:
        return "10 points"
    if badge == BADGE_100_POINTS:
        return "100 points"
    if badge == BADGE_EVERY_LABEL:
        return "every label used"
    assert badge == BADGE_7_DAYS, "points: unknown badge"
    return "contributions on 7 days"


# -------------------------------------------------------------- internal --

@internal
@pure
def _unpack(word: uint256) -> Stats:
    return Stats(
        contributions=word & _M32,
        points=(word >> 32) & _M32,
        reported=(word >> 64) & _M32,
        reports_made=(word >> 96) & _M32,
        labels_used=(word >> 128) & _M64,
        last_day=(word >> 192) & _M32,
        distinct_days=(word >> 224) & _M16,
        badges=word >> 240,
    )


@internal
def _store(account: address, stats: Stats):
    """
    @dev Counters saturate at their field width (about 4 billion, or 65,535
         distinct days) rather than overflowing into their neighbours.
    """
    word: uint256 = min(stats.contributions, _M32)
    word |= min(stats.points, _M32) << 32
    word |= min(stats.reported, _M32) << 64
    word |= min(stats.reports_made, _M32) << 96
    word |= (stats.labels_used & _M64) << 128
    word |= min(stats.last_day, _M32) << 192
    word |= min(stats.distinct_days, _M16) << 224
    word |= (stats.badges & _M16) << 240
    self._stats[account] = word


@internal
def _award(account: address, stats: Stats, badge: uint256) -> Stats:
    if (stats.badges >> badge) & 1 == 0:
        stats.badges |= 1 << badge
        log BadgeAwarded(account=account, badge=badge)
    return stats


@internal
@payable
def _add(label: uint64, num_classes: uint256):
    """
    @dev Account for a new contribution by `msg.sender` (already recorded by
         the data handler). `num_classes` is the model's class count now.
    """
    assert msg.value == 0, "points: no deposit is taken"
    stats: Stats = self._unpack(self._stats[msg.sender])
    stats.contributions += 1
    if label < 64:
        stats.labels_used |= 1 << convert(label, uint256)
    day: uint256 = block.timestamp // _DAY_S
    if stats.contributions == 1 or day != stats.last_day:
        stats.distinct_days += 1
        stats.last_day = day
    stats = self._award(msg.sender, stats, BADGE_FIRST_CONTRIBUTION)
    if num_classes <= 64 and stats.labels_used & ((1 << num_classes) - 1) == (1 << num_classes) - 1:
        stats = self._award(msg.sender, stats, BADGE_EVERY_LABEL)
    if stats.distinct_days >= _DISTINCT_DAYS_FOR_BADGE:
        stats = self._award(msg.sender, stats, BADGE_7_DAYS)
    self._store(msg.sender, stats)


@internal
def _settle(key: bytes32, added_time: uint256) -> data_handler.Contribution:
    record: data_handler.Contribution = data_handler._load(key)
    assert not record.refunded and record.claim_count == 0, "points: already settled"
    assert block.timestamp - added_time >= refund_wait_s, "points: wait not over"
    return record


@internal
def _refund(key: bytes32, added_time: uint256, model_agrees: bool):
    """
    @dev The author (`msg.sender`, bound into `key`) claims a point.
    """
    record: data_handler.Contribution = self._settle(key, added_time)
    assert model_agrees, "points: model disagrees with the label"
    record.refunded = True
    record.claim_count = 1
    data_handler._store(key, record)
    stats: Stats = self._unpack(self._stats[msg.sender])
    stats.points += 1
    if stats.points >= 10:
        stats = self._award(msg.sender, stats, BADGE_10_POINTS)
    if stats.points >= 100:
        stats = self._award(msg.sender, stats, BADGE_100_POINTS)
    self._store(msg.sender, stats)
    self.total_good_contributions += 1
    log PointAwarded(author=msg.sender, key=key)


@internal
def _report(key: bytes32, added_time: uint256, author: address, model_agrees: bool):
    """
    @dev `msg.sender` settles someone's contribution as bad, spending one
         of its points.
    """
    record: data_handler.Contribution = self._settle(key, added_time)
    assert msg.sender != author, "points: cannot report own contribution"
    assert not model_agrees, "points: model agrees with the label"
    reporter: Stats = self._unpack(self._stats[msg.sender])
    assert reporter.points > 0, "points: reporter has no points"
    # Adding is free, so anyone can train the model against a sample and
    # then report it. A reporter must have earned at least as many points as
    # the author: a record costs one settled good contribution per point, so
    # the more an author has earned, the more a griefer must earn first.
    victim: Stats = self._unpack(self._stats[author])
    assert reporter.points >= victim.points, "points: reporter has fewer points than the author"
    record.claim_count = 1
    data_handler._store(key, record)
    data_handler._mark_claimed(key, msg.sender)
    # A report spends one of the reporter's points, as many as the author
    # loses, so griefing costs the griefer at least what it costs the
    # victim: one farmed point buys one report, never a series of them.
    reporter.points -= 1
    reporter.reports_made += 1
    self._store(msg.sender, reporter)
    self.total_good_contributions -= 1
    victim.reported += 1
    self._store(author, victim)
    log Reported(reporter=msg.sender, author=author, key=key)
