"""Waves and guess factors: compiled tracking kernels (gf), the wave tables of a battle (tracking) and the
fire-time features they carry (features)."""
