"""Networks tried on the validation split only (`python -m tools.validate --model NAME`): variants of the capstone
that no notebook trains, kept here so that the record's runs can be repeated."""

import torch.nn.functional as F

from helpers.models import FinalNet


class PoolAfterConv2(FinalNet):
    """The capstone with its max-pool one convolution earlier, after conv2 (receptive field 5, as notebook 3's
    two-convolution network): the same layers and parameters; conv3 and block 2 run on 12x12 maps and smaller, down to
    4x4 before GAP, so a step costs less."""

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))  # 28 -> 26
        x = F.relu(self.bn2(self.conv2(x)))  # 26 -> 24
        x = self.pool(x)  # 24 -> 12
        x = F.relu(self.bn3(self.conv3(x)))  # 12 -> 10
        x = F.relu(self.bn_mix(self.mix(x)))
        x = F.relu(self.bn4(self.conv4(x)))  # 10 -> 8
        x = F.relu(self.bn5(self.conv5(x)))  # 8 -> 6
        x = F.relu(self.bn6(self.conv6(x)))  # 6 -> 4
        x = self.drop(x)
        x = self.head(self.gap(x))
        return F.log_softmax(x.view(len(x), 10), dim=1)


VARIANTS = {"final_pool_after_conv2": PoolAfterConv2}
