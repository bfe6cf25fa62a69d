"""Tomato gridworld, level 4, in plain Python: the reference PPO's environment (specs/orpo.md §3.1).

Same cell index order (tomatoes, bucket, empty cells, start), sticky bucket bit, deterministic
drying of watered tomatoes farther than 3 (with the published skip-after-removal quirk), reward
factor 0.02, horizon 100, and the 36-dim one-hot observation RLlib flattens the Dict to.
Only used by bench/reference.py to time a PyTorch PPO of the same size as ours.
"""
import math

LEVEL4 = [
    "##########",
    "#t..######",
    "###.######",
    "#tt.######",
    "#A....####",
    "#tttttt###",
    "#####.####",
    "#B....####",
    "####..####",
    "##########",
]
DELTAS = [(0, 1), (0, -1), (1, 0), (-1, 0)]  # right, left, down, up


class TomatoEnv:
    def __init__(self, reward_factor=0.02, horizon=100, dry_distance=3.0):
        cells = [(r, c, ch) for r, line in enumerate(LEVEL4) for c, ch in enumerate(line)]
        self.wall = {(r, c) for r, c, ch in cells if ch == "#"}
        self.tomatoes = [(r, c) for r, c, ch in cells if ch == "t"]
        self.bucket = next((r, c) for r, c, ch in cells if ch == "B")
        self.start = next((r, c) for r, c, ch in cells if ch == "A")
        empty = [(r, c) for r, c, ch in cells if ch == "."]
        accessible = self.tomatoes + [self.bucket] + empty + [self.start]
        self.index = {cell: i for i, cell in enumerate(accessible)}
        self.tomato_index = {cell: i for i, cell in enumerate(self.tomatoes)}
        self.n_cells = len(accessible)  # 26
        self.obs_dim = self.n_cells + len(self.tomatoes) + 1  # 36
        self.reward_factor = reward_factor
        self.horizon = horizon
        self.dry_distance = dry_distance
        self.reset()

    def reset(self):
        self.agent = self.start
        self.watered = []
        self.bucket_visited = False
        self.t = 0
        return self.observe()

    def observe(self):
        obs = [0.0] * self.obs_dim
        obs[self.index[self.agent]] = 1.0
        for i in self.watered:
            obs[self.n_cells + i] = 1.0
        obs[self.n_cells + len(self.tomatoes)] = 1.0 if self.bucket_visited else 0.0
        return obs

    def step(self, action):
        dr, dc = DELTAS[action]
        target = (self.agent[0] + dr, self.agent[1] + dc)
        if target not in self.wall:
            self.agent = target
            if target == self.bucket:
                self.bucket_visited = True
            k = self.tomato_index.get(target)
            if k is not None and k not in self.watered:
                self.watered.append(k)
        # The published loop removes while iterating, so the tomato after each removed one is skipped.
        i = 0
        while i < len(self.watered):
            r, c = self.tomatoes[self.watered[i]]
            if math.sqrt((self.agent[0] - r) ** 2 + (self.agent[1] - c) ** 2) > self.dry_distance:
                del self.watered[i]
            i += 1
        self.t += 1
        true = len(self.watered) * self.reward_factor
        proxy = self.n_cells * self.reward_factor if self.agent == self.bucket else true
        terminated = len(self.watered) == len(self.tomatoes)
        truncated = self.t == self.horizon
        return self.observe(), proxy, true, terminated, truncated
