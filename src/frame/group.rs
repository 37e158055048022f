//! The symmetry groups a frame set can be built for, and the robust-mode switch.

/// Symmetry group of the frame set (recorded in the model blob as this `u8`).
#[repr(u8)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Group {
    /// Rotations and reflections in 3D: 8 sign frames.
    #[default]
    O3 = 0,
    /// Rotations in 3D: 4 frames, third axis = cross product of the first two (det +1).
    SO3 = 1,
    /// Rotations and reflections in 2D: 4 sign frames.
    O2 = 2,
    /// Rotations in 2D: 2 frames, second axis = first rotated by +90 degrees (det +1).
    SO2 = 3,
}

impl Group {
    /// Spatial dimension (3 or 2).
    pub const fn dim(self) -> usize {
        match self {
            Self::O3 | Self::SO3 => 3,
            Self::O2 | Self::SO2 => 2,
        }
    }

    /// Frames in the plain (non-robust) set: 8, 4, 4, 2.
    pub const fn frame_count(self) -> usize {
        match self {
            Self::O3 => 8,
            Self::SO3 | Self::O2 => 4,
            Self::SO2 => 2,
        }
    }

    /// Most frames a set of this group can hold with `robust`: the plain set
    /// ([`frame_count`](Self::frame_count)), or with robust mode the 60 icosahedral rotations
    /// (O(3): times the two signs, 120) in 3D and the 6 in-plane rotations of every sign frame
    /// in 2D (O(2) 24, SO(2) 12). The capacity a [`FrameSet`](super::FrameSet) needs.
    pub const fn max_frames(self, robust: Robust) -> usize {
        match (robust, self) {
            (Robust::Off, _) => self.frame_count(),
            (Robust::Average, Self::O3) => 2 * super::ICOSAHEDRAL_ROTATIONS,
            (Robust::Average, Self::SO3) => super::ICOSAHEDRAL_ROTATIONS,
            (Robust::Average, Self::O2 | Self::SO2) => super::ROBUST_ROTATIONS * self.frame_count(),
        }
    }

    /// True for the rotation-only groups (every frame has det +1).
    pub const fn is_special(self) -> bool {
        matches!(self, Self::SO3 | Self::SO2)
    }
}

impl TryFrom<u8> for Group {
    type Error = u8;
    /// Decodes the blob byte; gives the byte back when it is not a known group.
    fn try_from(v: u8) -> Result<Self, u8> {
        match v {
            0 => Ok(Self::O3),
            1 => Ok(Self::SO3),
            2 => Ok(Self::O2),
            3 => Ok(Self::SO2),
            other => Err(other),
        }
    }
}

/// What to do when two non-zero eigenvalues (nearly) coincide (see [`robust`](super::robust)).
#[repr(u8)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Robust {
    /// Plain PCA frames: the set is always the 8/4/4/2 sign frames; degeneracy is only
    /// reported (`FrameSet::is_degenerate`).
    #[default]
    Off = 0,
    /// When the relative gap of an adjacent pair is below `degenerate_gap`, average over
    /// extra rotations in the degenerate eigenspace as well (up to [`MAX_FRAMES`](super::MAX_FRAMES)).
    Average = 1,
}

impl TryFrom<u8> for Robust {
    type Error = u8;
    /// Decodes the blob byte; gives the byte back when it is not a known mode.
    fn try_from(v: u8) -> Result<Self, u8> {
        match v {
            0 => Ok(Self::Off),
            1 => Ok(Self::Average),
            other => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        for g in [Group::O3, Group::SO3, Group::O2, Group::SO2] {
            assert_eq!(Group::try_from(g as u8), Ok(g));
        }
        assert_eq!(Group::try_from(4), Err(4));
        assert_eq!(Robust::try_from(1), Ok(Robust::Average));
        assert_eq!(Robust::try_from(2), Err(2));
        assert_eq!(
            [Group::O3, Group::SO3, Group::O2, Group::SO2].map(Group::frame_count),
            [8, 4, 4, 2]
        );
        assert_eq!(Group::SO2.dim(), 2);
    }
}
