"""IMU helpers: quaternions, gravity in the sensor frame, inclination error, and a 6D
Madgwick filter (gyro + accelerometer) as a same-data reference."""

import numpy as np


def quat_mul(p, q):
    """Hamilton product of (..., 4) quaternions (w, x, y, z)."""
    pw, px, py, pz = np.moveaxis(p, -1, 0)
    qw, qx, qy, qz = np.moveaxis(q, -1, 0)
    return np.stack([pw * qw - px * qx - py * qy - pz * qz,
                     pw * qx + px * qw + py * qz - pz * qy,
                     pw * qy - px * qz + py * qw + pz * qx,
                     pw * qz + px * qy - py * qx + pz * qw], -1)


def quat_matrix(q):
    """Rotation matrices (..., 3, 3) of unit quaternions (w, x, y, z)."""
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
        np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
        np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
    ], -2)


def gravity_in_sensor(q):
    """Up direction (ENU z) in the sensor frame, R^T e_z, for IMU-to-ENU quaternions (N, 4)."""
    w, x, y, z = q.T
    return np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], 1)


def angle_deg(a, b):
    """Angle in degrees between rows of a and b (any lengths)."""
    c = np.cross(a, b)
    return np.degrees(np.arctan2(np.linalg.norm(c, axis=-1), np.einsum("...i,...i->...", a, b)))


def integrate_gyro(gyr, rate):
    """Dead-reckoned orientation quaternions (N, 4) from body rates (rad/s), q_0 = identity:
    q_{k+1} = q_k * exp(w_k dt / 2)."""
    dt = 1.0 / rate
    th = np.linalg.norm(gyr, axis=1) * dt
    ax = gyr / np.maximum(np.linalg.norm(gyr, axis=1, keepdims=True), 1e-12)
    dq = np.concatenate([np.cos(th / 2)[:, None], np.sin(th / 2)[:, None] * ax], 1)
    q = np.empty((len(gyr), 4))
    cur = np.array([1.0, 0, 0, 0])
    for k in range(len(gyr)):
        q[k] = cur
        cur = quat_mul(cur, dq[k])
        cur /= np.linalg.norm(cur)
    return q


def madgwick6(acc, gyr, rate, beta=0.1, q0=None):
    """Madgwick's IMU (6D) filter; returns IMU-to-earth quaternions (N, 4)."""
    dt = 1.0 / rate
    q = np.array([1.0, 0, 0, 0]) if q0 is None else np.array(q0, float)
    out = np.empty((len(acc), 4))
    for k in range(len(acc)):
        w, x, y, z = q
        gx, gy, gz = gyr[k]
        qdot = 0.5 * np.array([-x * gx - y * gy - z * gz, w * gx + y * gz - z * gy,
                               w * gy - x * gz + z * gx, w * gz + x * gy - y * gx])
        a = acc[k]
        n = np.linalg.norm(a)
        if n > 0:
            ax, ay, az = a / n
            f = np.array([2 * (x * z - w * y) - ax, 2 * (w * x + y * z) - ay,
                          2 * (0.5 - x * x - y * y) - az])
            J = np.array([[-2 * y, 2 * z, -2 * w, 2 * x], [2 * x, 2 * w, 2 * z, 2 * y],
                          [0, -4 * x, -4 * y, 0]])
            s = J.T @ f
            ns = np.linalg.norm(s)
            if ns > 0:
                qdot = qdot - beta * s / ns
        q = q + qdot * dt
        q /= np.linalg.norm(q)
        out[k] = q
    return out
